"use client";

import { useState } from "react";
import { updateAgentAction } from "@/app/(app)/settings/agents/actions";
import { Alert } from "@/components/ui/alert";
import { Badge, type BadgeTone } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { Field } from "@/components/ui/field";
import { FieldGrid } from "@/components/ui/field-grid";
import { Input } from "@/components/ui/input";
import { LocalTime } from "@/components/ui/local-time";
import type { AgentObject } from "@/lib/agents/schemas";
import { useRefreshingAction } from "./use-refreshing-action";

const STATUS: Record<string, { label: string; tone: BadgeTone; advice?: string }> = {
  ok: { label: "Connected", tone: "light-green" },
  private_api_off: {
    label: "Private API off",
    tone: "light-amber",
    advice:
      "Messages go out, but tapbacks need BlueBubbles' Private API: turn it on in the server's settings on the Mac.",
  },
  helper_disconnected: {
    label: "Helper disconnected",
    tone: "light-amber",
    advice: "The Private API helper is not connected on the Mac; tapbacks fail until it is.",
  },
  unreachable: {
    label: "Unreachable",
    tone: "light-red",
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

  const status =
    bridge.kind === "bluebubbles" ? (STATUS[bridge.status] ?? { label: bridge.status, tone: "light-grey" }) : null;
  return (
    <Card as="article" aria-labelledby={`${id}-name`}>
      <header className="flex flex-wrap items-center gap-3">
        <h3 id={`${id}-name`} className="font-semibold">
          {agent.name}
        </h3>
        <span className="font-mono text-xs text-neutral-600 dark:text-neutral-400">{agent.handle}</span>
        {status ? (
          <Badge tone={status.tone}>BlueBubbles: {status.label}</Badge>
        ) : (
          <Badge tone="light-grey">Sandbox (no real iMessage)</Badge>
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
      {status?.advice && (
        // Outside the list: a definition list may hold only its terms and definitions.
        <p className="text-sm text-amber-900 dark:text-amber-200" role="note">
          {status.advice}
        </p>
      )}

      {bridge.kind === "sandbox" || editing ? (
        <form onSubmit={link} className="space-y-3" aria-label={`Link ${agent.name} to BlueBubbles`}>
          <FieldGrid>
            <Field id={`${id}-url`} label="BlueBubbles server URL">
              <Input required value={url} onValue={setUrl} placeholder="https://mac.example.com" />
            </Field>
            <Field id={`${id}-password`} label="Server password">
              <Input type="password" required autoComplete="off" value={password} onValue={setPassword} />
            </Field>
          </FieldGrid>
          <Alert boxed>{error}</Alert>
          <div className="flex gap-2">
            <Button type="submit" disabled={pending}>
              {pending ? "Checking the server…" : `Link ${agent.name} to BlueBubbles`}
            </Button>
            {editing && (
              <Button variant="ghost" onClick={() => setEditing(false)}>
                Cancel
              </Button>
            )}
          </div>
        </form>
      ) : (
        <div className="flex flex-wrap gap-2">
          <Alert boxed>{error}</Alert>
          <Button variant="secondary" onClick={() => setEditing(true)}>
            Change server or password
          </Button>
          <Button
            variant="danger"
            disabled={pending}
            onClick={() => run(() => updateAgentAction({ id: agent.id, changes: { bridge: { kind: "sandbox" } } }))}
          >
            Unlink {agent.name}'s bridge
          </Button>
        </div>
      )}
    </Card>
  );
}
