"use client";

import { useState } from "react";
import { createApiKeyAction } from "@/app/(app)/settings/api-keys/actions";
import { field, primaryButton, quietButton } from "@/components/webhooks/styles";
import { FormError } from "./form-error";
import { useRefreshingAction } from "./use-refreshing-action";

/** Creates a key and shows its secret this once: the server keeps only a keyed hash. */
export function CreateApiKeyForm({ agents }: { agents: { id: string; name: string }[] }) {
  const { pending, error, run } = useRefreshingAction();
  const [name, setName] = useState("");
  const [agentId, setAgentId] = useState("");
  const [created, setCreated] = useState<{ name: string; key: string } | null>(null);
  const [copied, setCopied] = useState(false);

  function submit(e: React.FormEvent) {
    e.preventDefault();
    run(
      () => createApiKeyAction({ name, agent_id: agentId || null }),
      (key) => {
        setCreated({ name: key.name, key: key.key });
        setCopied(false);
        setName("");
      },
    );
  }

  return (
    <section
      aria-labelledby="add-key"
      className="space-y-3 rounded-lg border border-neutral-200 p-4 dark:border-neutral-800"
    >
      <h2 id="add-key" className="font-semibold">
        Create an API key
      </h2>
      {created && (
        <div
          role="status"
          className="space-y-2 rounded-lg border border-amber-300 bg-amber-50 p-3 text-sm dark:border-amber-700 dark:bg-amber-950/40"
        >
          <p className="font-medium">The key “{created.name}”</p>
          <p className="text-xs text-neutral-700 dark:text-neutral-300">
            Copy it now: it will not be shown again. Send it as <code>Authorization: Bearer &lt;key&gt;</code>.
          </p>
          <div className="flex items-center gap-2">
            <input
              readOnly
              aria-label="New API key"
              value={created.key}
              onFocus={(e) => e.currentTarget.select()}
              className="min-w-0 flex-1 rounded border border-neutral-300 bg-white px-2 py-1 font-mono text-xs dark:border-neutral-700 dark:bg-neutral-900"
            />
            <button
              type="button"
              className={quietButton}
              onClick={async () => {
                await navigator.clipboard.writeText(created.key);
                setCopied(true);
              }}
            >
              {copied ? "Copied" : "Copy"}
            </button>
            <button type="button" className={quietButton} onClick={() => setCreated(null)}>
              Done
            </button>
          </div>
        </div>
      )}
      <form onSubmit={submit} className="space-y-3">
        <div className="grid gap-3 sm:grid-cols-2">
          <div>
            <label htmlFor="key-name" className="block text-sm font-medium">
              Name
            </label>
            <input
              id="key-name"
              required
              maxLength={100}
              value={name}
              onChange={(e) => setName(e.target.value)}
              placeholder="Support bot in production"
              className={field}
            />
          </div>
          <div>
            <label htmlFor="key-scope" className="block text-sm font-medium">
              Access
            </label>
            <select id="key-scope" value={agentId} onChange={(e) => setAgentId(e.target.value)} className={field}>
              <option value="">Workspace-wide (every conversation and the settings)</option>
              {agents.map((a) => (
                <option key={a.id} value={a.id}>
                  Only {a.name}'s conversations
                </option>
              ))}
            </select>
          </div>
        </div>
        <FormError message={error} />
        <button type="submit" className={primaryButton} disabled={pending}>
          {pending ? "Creating…" : "Create key"}
        </button>
      </form>
    </section>
  );
}
