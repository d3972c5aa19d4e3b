import { AgentBridge } from "@/components/settings/agent-bridge";
import { AgentFeedback } from "@/components/settings/agent-feedback";
import { AgentFlag } from "@/components/settings/agent-flag";
import { dayColumn } from "@/components/settings/columns";
import { CreateAgentForm } from "@/components/settings/create-agent-form";
import { ListPage } from "@/components/settings/list-page";
import { Section } from "@/components/ui/section";
import type { AgentObject } from "@/lib/agents/schemas";
import { listAgents } from "@/lib/agents/service";
import { requireOwner } from "@/lib/auth/session";
import { db } from "@/lib/db/client";

export const metadata = { title: "Agents · Tapdesk" };

/** A column with one of the agent's flags as a switch. */
const flagColumn = (flag: "imessage_enabled" | "custom_emoji_sends", label: string) => ({
  header: label,
  cell: (agent: AgentObject) => (
    <AgentFlag agentId={agent.id} agentName={agent.name} flag={flag} label={label} value={agent[flag]} />
  ),
});

export default async function AgentsPage() {
  const { scope } = await requireOwner();
  const agents = await listAgents(await db(), scope);
  return (
    <ListPage
      title="Agents"
      intro="Each agent sends from one identity. Turning iMessage off makes its sends fail with “not enabled for iMessage”; custom emoji tapbacks are off by default because older Apple devices show them as text."
      form={<CreateAgentForm />}
      rows={agents}
      noun={["agent", "agents"]}
      columns={[
        { header: "Name", className: "font-medium", cell: (agent) => agent.name },
        { header: "Handle", className: "font-mono text-xs", cell: (agent) => agent.handle },
        flagColumn("imessage_enabled", "iMessage"),
        flagColumn("custom_emoji_sends", "Custom emoji sends"),
        dayColumn("Added", "created_at"),
      ]}
    >
      <Section id="bridges-heading" title="iMessage bridges" roomy>
        <p className="text-sm text-neutral-600 dark:text-neutral-400">
          An agent on the sandbox talks to a simulated phone. Link it to a Mac running BlueBubbles (signed in to
          iMessage as the agent's handle, with the Private API on for tapbacks) and its messages and tapbacks reach real
          iPhones. BlueBubbles cannot send custom emoji tapbacks or stickers.
        </p>
        {agents.map((agent) => (
          <AgentBridge key={agent.id} agent={agent} />
        ))}
      </Section>
      <Section id="feedback-heading" title="Feedback to Langfuse" roomy>
        <p className="text-sm text-neutral-600 dark:text-neutral-400">
          A person's tapback on an agent's message that carries a <code>trace_id</code> becomes a Langfuse score on that
          trace (<code>imessage_tapback</code>: positive, negative, confused or other); a replaced tapback overwrites
          it, a removed one deletes it. Deliveries are retried like webhooks; their log is under Settings → Webhooks.
        </p>
        {agents.map((agent) => (
          <AgentFeedback key={agent.id} agent={agent} />
        ))}
      </Section>
    </ListPage>
  );
}
