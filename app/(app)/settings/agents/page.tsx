import { AgentBridge } from "@/components/settings/agent-bridge";
import { AgentFlag } from "@/components/settings/agent-flag";
import { CreateAgentForm } from "@/components/settings/create-agent-form";
import { LocalTime } from "@/components/ui/local-time";
import { listAgents } from "@/lib/agents/service";
import { requireOwner } from "@/lib/auth/session";
import { db } from "@/lib/db/client";

export const metadata = { title: "Agents · Tapdesk" };

const DAY: Intl.DateTimeFormatOptions = { year: "numeric", month: "short", day: "numeric" };

export default async function AgentsPage() {
  const operator = await requireOwner();
  const agents = await listAgents(await db(), operator.scope);
  return (
    <div className="max-w-5xl space-y-6">
      <header className="space-y-1">
        <h1 className="text-xl font-semibold">Agents</h1>
        <p className="text-sm text-neutral-600 dark:text-neutral-400">
          Each agent sends from one identity. Turning iMessage off makes its sends fail with “not enabled for iMessage”;
          custom emoji tapbacks are off by default because older Apple devices show them as text.
        </p>
      </header>

      <CreateAgentForm />

      <section aria-labelledby="agents-heading" className="space-y-2">
        <h2 id="agents-heading" className="font-semibold">
          {agents.length} {agents.length === 1 ? "agent" : "agents"}
        </h2>
        <table className="w-full text-left text-sm">
          <thead className="text-xs uppercase tracking-wide text-neutral-500 dark:text-neutral-400">
            <tr>
              <th className="py-2 pr-4 font-medium">Name</th>
              <th className="py-2 pr-4 font-medium">Handle</th>
              <th className="py-2 pr-4 font-medium">iMessage</th>
              <th className="py-2 pr-4 font-medium">Custom emoji sends</th>
              <th className="py-2 font-medium">Added</th>
            </tr>
          </thead>
          <tbody>
            {agents.map((agent) => (
              <tr key={agent.id} className="border-t border-neutral-200 dark:border-neutral-800">
                <td className="py-2 pr-4 font-medium">{agent.name}</td>
                <td className="py-2 pr-4 font-mono text-xs">{agent.handle}</td>
                <td className="py-2 pr-4">
                  <AgentFlag
                    agentId={agent.id}
                    agentName={agent.name}
                    flag="imessage_enabled"
                    label="iMessage"
                    value={agent.imessage_enabled}
                  />
                </td>
                <td className="py-2 pr-4">
                  <AgentFlag
                    agentId={agent.id}
                    agentName={agent.name}
                    flag="custom_emoji_sends"
                    label="Custom emoji sends"
                    value={agent.custom_emoji_sends}
                  />
                </td>
                <td className="py-2 text-neutral-500 dark:text-neutral-400">
                  <LocalTime iso={agent.created_at} options={DAY} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      <section aria-labelledby="bridges-heading" className="space-y-3">
        <h2 id="bridges-heading" className="font-semibold">
          iMessage bridges
        </h2>
        <p className="text-sm text-neutral-600 dark:text-neutral-400">
          An agent on the sandbox talks to a simulated phone. Link it to a Mac running BlueBubbles (signed in to
          iMessage as the agent's handle, with the Private API on for tapbacks) and its messages and tapbacks reach real
          iPhones. BlueBubbles cannot send custom emoji tapbacks or stickers.
        </p>
        {agents.map((agent) => (
          <AgentBridge key={agent.id} agent={agent} />
        ))}
      </section>
    </div>
  );
}
