"use client";

import { useState } from "react";
import { createAgentAction } from "@/app/(app)/settings/agents/actions";
import { field, primaryButton } from "@/components/webhooks/styles";
import { FormError } from "./form-error";
import { useRefreshingAction } from "./use-refreshing-action";

export function CreateAgentForm() {
  const { pending, error, run } = useRefreshingAction();
  const [name, setName] = useState("");
  const [handle, setHandle] = useState("");
  const [imessage, setImessage] = useState(true);
  const [customEmoji, setCustomEmoji] = useState(false);
  const [created, setCreated] = useState("");

  function submit(e: React.FormEvent) {
    e.preventDefault();
    setCreated("");
    run(
      () =>
        createAgentAction({
          name,
          handle: handle.trim(),
          imessage_enabled: imessage,
          custom_emoji_sends: customEmoji,
        }),
      (agent) => {
        setCreated(`${agent.name} was added.`);
        setName("");
        setHandle("");
      },
    );
  }

  return (
    <section
      aria-labelledby="add-agent"
      className="space-y-3 rounded-lg border border-neutral-200 p-4 dark:border-neutral-800"
    >
      <h2 id="add-agent" className="font-semibold">
        Add an agent
      </h2>
      <form onSubmit={submit} className="space-y-3">
        <div className="grid gap-3 sm:grid-cols-2">
          <div>
            <label htmlFor="agent-name" className="block text-sm font-medium">
              Name
            </label>
            <input
              id="agent-name"
              required
              maxLength={100}
              value={name}
              onChange={(e) => setName(e.target.value)}
              placeholder="Ava"
              className={field}
            />
          </div>
          <div>
            <label htmlFor="agent-handle" className="block text-sm font-medium">
              Handle
            </label>
            <input
              id="agent-handle"
              required
              value={handle}
              onChange={(e) => setHandle(e.target.value)}
              placeholder="+14155550100 or agent@example.com"
              className={field}
            />
          </div>
        </div>
        <div className="flex flex-wrap gap-6 text-sm">
          <label className="flex items-center gap-2">
            <input type="checkbox" checked={imessage} onChange={(e) => setImessage(e.target.checked)} />
            iMessage enabled
          </label>
          <label className="flex items-center gap-2">
            <input type="checkbox" checked={customEmoji} onChange={(e) => setCustomEmoji(e.target.checked)} />
            May send custom emoji
          </label>
        </div>
        <FormError message={error} />
        {created && (
          <p role="status" className="text-sm text-emerald-700 dark:text-emerald-300">
            {created}
          </p>
        )}
        <button type="submit" className={primaryButton} disabled={pending}>
          {pending ? "Adding…" : "Add agent"}
        </button>
      </form>
    </section>
  );
}
