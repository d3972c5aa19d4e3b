"use client";

import { useState } from "react";
import { updateAgentAction } from "@/app/(app)/settings/agents/actions";
import { field, primaryButton } from "@/components/webhooks/styles";
import type { AgentObject } from "@/lib/agents/schemas";
import { LocalTime } from "../ui/local-time";
import { FormError } from "./form-error";
import { useRefreshingAction } from "./use-refreshing-action";

const STATUS: Record<string, { label: string; tone: string; advice?: string }> = {
  ok: { label: "Connected", tone: "bg-emerald-100 text-emerald-900" },
  private_api_off: {
    label: "Private API off",
    tone: "bg-amber-100 text-amber-900",
    advice:
      "Messages go out, but tapbacks need BlueBubbles' Private API: turn it on in the server's settings on the Mac.",
  },
  helper_disconnected: {
    label: "Helper disconnected",
    tone: "bg-amber-100 text-amber-900",
    advice: "The Private API helper is not connected on the Mac; tapbacks fail until it is.",
  },
  unreachable: {
    label: "Unreachable",
    tone: "bg-red-100 text-red-900",
    advice: "Tapdesk could not reach the server at its last try; it keeps trying.",
  },
};

const WHEN: Intl.DateTimeFormatOptions = { month: "short", day: "numeric", hour: "numeric", minute: "2-digit" };

/** An agent's upstream: the sandbox, or a Mac running BlueBubbles, with a form to link, re-link or unlink it. */
export function AgentBridge({ agent }: { agent: AgentObject }) {
  const { pending, error, run } = useRefreshingAction();
  const bridge = agent.bridge;
  const [url, setUrl] = useState(bridge.kind === "bluebubbles" ? bridge.url : "");
  const [password, setPassword] = useState("");
  const [editing, setEditing] = useState(false);
  const id = `bridge-${agent.id}`;

  function link(e: React.FormEvent) {
    e.preventDefault();
    run(
      () =>
        updateAgentAction({ id: agent.id, changes: { bridge: { kind: "bluebubbles", url: url.trim(), password } } }),
      () => {
        setPassword("");
        setEditing(false);
      },
    );
  }

  const status = bridge.kind === "bluebubbles" ? (STATUS[bridge.status] ?? { label: bridge.status, tone: "" }) : null;
  return (
    <article
      aria-labelledby={`${id}-name`}
      className="space-y-3 rounded-lg border border-neutral-200 p-4 dark:border-neutral-800"
    >
      <header className="flex flex-wrap items-center gap-3">
        <h3 id={`${id}-name`} className="font-semibold">
          {agent.name}
        </h3>
        <span className="font-mono text-xs text-neutral-600 dark:text-neutral-400">{agent.handle}</span>
        {bridge.kind === "sandbox" ? (
          <span className="rounded-full bg-neutral-100 px-2 py-0.5 text-xs font-medium text-neutral-800">
            Sandbox (no real iMessage)
          </span>
        ) : (
          <span className={`rounded-full px-2 py-0.5 text-xs font-medium ${status?.tone}`}>
            BlueBubbles: {status?.label}
          </span>
        )}
      </header>

      {bridge.kind === "bluebubbles" && (
        <dl className="grid gap-x-4 gap-y-1 text-sm sm:grid-cols-[max-content_1fr]">
          <dt className="text-neutral-600 dark:text-neutral-400">Server</dt>
          <dd className="font-mono text-xs break-all">{bridge.url}</dd>
          <dt className="text-neutral-600 dark:text-neutral-400">Last contact</dt>
          <dd>{bridge.last_contact_at ? <LocalTime iso={bridge.last_contact_at} options={WHEN} /> : "never"}</dd>
          <dt className="text-neutral-600 dark:text-neutral-400">Webhook URL</dt>
          <dd className="font-mono text-xs break-all">{bridge.inbound_url}</dd>
        </dl>
      )}
      {bridge.kind === "bluebubbles" && status?.advice && (
        // Outside the list: a definition list may hold only its terms and definitions.
        <p className="text-sm text-amber-900 dark:text-amber-200" role="note">
          {status.advice}
        </p>
      )}

      {bridge.kind === "sandbox" || editing ? (
        <form onSubmit={link} className="space-y-3" aria-label={`Link ${agent.name} to BlueBubbles`}>
          <div className="grid gap-3 sm:grid-cols-2">
            <div>
              <label htmlFor={`${id}-url`} className="block text-sm font-medium">
                BlueBubbles server URL
              </label>
              <input
                id={`${id}-url`}
                required
                value={url}
                onChange={(e) => setUrl(e.target.value)}
                placeholder="https://mac.example.com"
                className={field}
              />
            </div>
            <div>
              <label htmlFor={`${id}-password`} className="block text-sm font-medium">
                Server password
              </label>
              <input
                id={`${id}-password`}
                type="password"
                required
                autoComplete="off"
                value={password}
                onChange={(e) => setPassword(e.target.value)}
                className={field}
              />
            </div>
          </div>
          <FormError message={error} />
          <div className="flex gap-2">
            <button type="submit" className={primaryButton} disabled={pending}>
              {pending ? "Checking the server…" : `Link ${agent.name} to BlueBubbles`}
            </button>
            {editing && (
              <button type="button" className="rounded-md px-3 py-1.5 text-sm" onClick={() => setEditing(false)}>
                Cancel
              </button>
            )}
          </div>
        </form>
      ) : (
        <div className="flex flex-wrap gap-2">
          <FormError message={error} />
          <button
            type="button"
            className="rounded-md border border-neutral-300 px-3 py-1.5 text-sm dark:border-neutral-700"
            onClick={() => setEditing(true)}
          >
            Change server or password
          </button>
          <button
            type="button"
            className="rounded-md border border-red-300 px-3 py-1.5 text-sm text-red-800 dark:border-red-800 dark:text-red-300"
            disabled={pending}
            onClick={() => run(() => updateAgentAction({ id: agent.id, changes: { bridge: { kind: "sandbox" } } }))}
          >
            Unlink {agent.name}'s bridge
          </button>
        </div>
      )}
    </article>
  );
}
