import { ActionButton } from "@/components/settings/action-button";
import { CreateApiKeyForm } from "@/components/settings/create-api-key-form";
import { LocalTime } from "@/components/ui/local-time";
import { listAgents } from "@/lib/agents/service";
import { listApiKeys } from "@/lib/auth/api-keys";
import { requireOwner } from "@/lib/auth/session";
import { db } from "@/lib/db/client";
import { revokeApiKeyAction } from "./actions";

export const metadata = { title: "API keys · Tapdesk" };

const DAY: Intl.DateTimeFormatOptions = { year: "numeric", month: "short", day: "numeric" };

export default async function ApiKeysPage() {
  const operator = await requireOwner();
  const prisma = await db();
  const [keys, agents] = await Promise.all([listApiKeys(prisma, operator.scope), listAgents(prisma, operator.scope)]);
  const agentName = new Map(agents.map((a) => [a.id, a.name]));
  return (
    <div className="max-w-5xl space-y-6">
      <header className="space-y-1">
        <h1 className="text-xl font-semibold">API keys</h1>
        <p className="text-sm text-neutral-600 dark:text-neutral-400">
          Agents call the{" "}
          <a href="/api-reference" className="underline">
            Tapdesk API
          </a>{" "}
          with a key. A workspace-wide key sees every conversation and manages settings; a key for one agent sees only
          that agent's conversations. A key is shown once when it is created; Tapdesk keeps only a keyed hash of it.
        </p>
      </header>

      <CreateApiKeyForm agents={agents.map((a) => ({ id: a.id, name: a.name }))} />

      <section aria-labelledby="keys-heading" className="space-y-2">
        <h2 id="keys-heading" className="font-semibold">
          {keys.length} active {keys.length === 1 ? "key" : "keys"}
        </h2>
        <table className="w-full text-left text-sm">
          <thead className="text-xs uppercase tracking-wide text-neutral-500 dark:text-neutral-400">
            <tr>
              <th className="py-2 pr-4 font-medium">Name</th>
              <th className="py-2 pr-4 font-medium">Key</th>
              <th className="py-2 pr-4 font-medium">Access</th>
              <th className="py-2 pr-4 font-medium">Created</th>
              <th className="py-2 font-medium">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {keys.map((key) => (
              <tr key={key.id} className="border-t border-neutral-200 dark:border-neutral-800">
                <td className="py-2 pr-4 font-medium">{key.name}</td>
                <td className="py-2 pr-4 font-mono text-xs">{key.prefix}…</td>
                <td className="py-2 pr-4">
                  {key.agent_id ? `Only ${agentName.get(key.agent_id) ?? "one agent"}` : "Workspace-wide"}
                </td>
                <td className="py-2 pr-4 text-neutral-500 dark:text-neutral-400">
                  <LocalTime iso={key.created_at} options={DAY} />
                </td>
                <td className="py-2 text-right">
                  <ActionButton
                    action={revokeApiKeyAction}
                    input={{ id: key.id }}
                    label="Revoke"
                    pendingLabel="Revoking…"
                    accessibleName={`Revoke ${key.name}`}
                    confirm={`Revoke “${key.name}”? Requests with it fail at once.`}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </div>
  );
}
