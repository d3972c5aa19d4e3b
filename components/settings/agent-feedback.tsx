"use client";

import { useState } from "react";
import { updateAgentAction } from "@/app/(app)/settings/agents/actions";
import { Alert } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { Field } from "@/components/ui/field";
import { FieldGrid } from "@/components/ui/field-grid";
import { Input } from "@/components/ui/input";
import type { AgentObject } from "@/lib/agents/schemas";
import { useRefreshingAction } from "./use-refreshing-action";

/** An agent's feedback destination: a Langfuse project its people's tapbacks go to as scores. */
export function AgentFeedback({ agent }: { agent: AgentObject }) {
  const { pending, error, run } = useRefreshingAction();
  const feedback = agent.feedback;
  const [url, setUrl] = useState(feedback?.url ?? "https://cloud.langfuse.com");
  const [publicKey, setPublicKey] = useState(feedback?.public_key ?? "");
  const [secretKey, setSecretKey] = useState("");
  const [editing, setEditing] = useState(false);
  const id = `feedback-${agent.id}`;

  function save(e: React.FormEvent) {
    e.preventDefault();
    run(
      () =>
        updateAgentAction({
          id: agent.id,
          changes: {
            feedback: { kind: "langfuse", url: url.trim(), public_key: publicKey.trim(), secret_key: secretKey },
          },
        }),
      () => {
        setSecretKey("");
        setEditing(false);
      },
    );
  }

  return (
    <Card as="article" aria-labelledby={`${id}-name`}>
      <header className="flex flex-wrap items-center gap-3">
        <h3 id={`${id}-name`} className="font-semibold">
          {agent.name}
        </h3>
        {feedback ? <Badge tone="green">Langfuse</Badge> : <Badge tone="grey">No feedback destination</Badge>}
      </header>
      {feedback && !editing ? (
        <>
          <dl className="grid gap-x-4 gap-y-1 text-sm sm:grid-cols-[max-content_1fr]">
            <dt className="text-neutral-600 dark:text-neutral-400">Langfuse URL</dt>
            <dd className="font-mono text-xs break-all">{feedback.url}</dd>
            <dt className="text-neutral-600 dark:text-neutral-400">Public key</dt>
            <dd className="font-mono text-xs break-all">{feedback.public_key}</dd>
            <dt className="text-neutral-600 dark:text-neutral-400">Secret key</dt>
            <dd className="text-xs">Stored sealed; never shown.</dd>
          </dl>
          <div className="flex flex-wrap gap-2">
            <Alert boxed>{error}</Alert>
            <Button variant="secondary" onClick={() => setEditing(true)}>
              Change Langfuse keys
            </Button>
            <Button
              variant="danger"
              disabled={pending}
              onClick={() => run(() => updateAgentAction({ id: agent.id, changes: { feedback: null } }))}
            >
              Stop sending {agent.name}'s feedback
            </Button>
          </div>
        </>
      ) : (
        <form onSubmit={save} className="space-y-3" aria-label={`Send ${agent.name}'s feedback to Langfuse`}>
          <FieldGrid>
            <Field id={`${id}-url`} label="Langfuse URL">
              <Input required value={url} onValue={setUrl} />
            </Field>
            <Field id={`${id}-public`} label="Public key">
              <Input required autoComplete="off" value={publicKey} onValue={setPublicKey} placeholder="pk-lf-…" />
            </Field>
            <Field id={`${id}-secret`} label="Secret key">
              <Input type="password" required autoComplete="off" value={secretKey} onValue={setSecretKey} />
            </Field>
          </FieldGrid>
          <Alert boxed>{error}</Alert>
          <div className="flex gap-2">
            <Button type="submit" disabled={pending}>
              Send {agent.name}'s feedback to Langfuse
            </Button>
            {editing && (
              <Button variant="ghost" onClick={() => setEditing(false)}>
                Cancel
              </Button>
            )}
          </div>
        </form>
      )}
    </Card>
  );
}
