import { actionColumn, dayColumn } from "@/components/settings/columns";
import { CreateApiKeyForm } from "@/components/settings/create-api-key-form";
import { ListPage } from "@/components/settings/list-page";
import { listAgents } from "@/lib/agents/service";
import { type ApiKeyObject, listApiKeys } from "@/lib/auth/api-keys";
import { requireOwner } from "@/lib/auth/session";
import { db } from "@/lib/db/client";
import { revokeApiKeyAction } from "./actions";

export const metadata = { title: "API keys · Tapdesk" };

export default async function ApiKeysPage() {
  const { scope } = await requireOwner();
  const prisma = await db();
  const [keys, agents] = await Promise.all([listApiKeys(prisma, scope), listAgents(prisma, scope)]);
  const agentName = new Map(agents.map((a) => [a.id, a.name]));
  return (
    <ListPage
      title="API keys"
      intro={
        <>
          Agents call the{" "}
          <a href="/api-reference" className="underline">
            Tapdesk API
          </a>{" "}
          with a key. A workspace-wide key sees every conversation and manages settings; a key for one agent sees only
          that agent's conversations. A key is shown once when it is created; Tapdesk keeps only a keyed hash of it.
        </>
      }
      form={<CreateApiKeyForm agents={agents.map((a) => ({ id: a.id, name: a.name }))} />}
      rows={keys}
      noun={["active key", "active keys"]}
      columns={[
        { header: "Name", className: "font-medium", cell: (key) => key.name },
        { header: "Key", className: "font-mono text-xs", cell: (key) => `${key.prefix}…` },
        {
          header: "Access",
          cell: (key) => (key.agent_id ? `Only ${agentName.get(key.agent_id) ?? "one agent"}` : "Workspace-wide"),
        },
        dayColumn("Created", "created_at"),
        actionColumn("Revoke", revokeApiKeyAction, (key: ApiKeyObject) => ({
          what: key.name,
          confirm: `Revoke “${key.name}”? Requests with it fail at once.`,
        })),
      ]}
    />
  );
}
