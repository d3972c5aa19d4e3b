"use client";

import { useState } from "react";
import { createEndpointAction } from "@/app/(app)/settings/webhooks/actions";
import { useRefreshingAction } from "@/components/settings/use-refreshing-action";
import { EVENT_TYPES, type EventType } from "@/lib/webhooks/event-types";
import { SecretReveal } from "./secret-reveal";
import { EVENT_LABELS, field, primaryButton } from "./styles";

export function CreateEndpointForm() {
  const { pending, error, run } = useRefreshingAction();
  const [url, setUrl] = useState("");
  const [description, setDescription] = useState("");
  const [events, setEvents] = useState<EventType[]>([...EVENT_TYPES]);
  const [created, setCreated] = useState<{ url: string; secret: string } | null>(null);

  function submit(e: React.FormEvent) {
    e.preventDefault();
    run(
      () => createEndpointAction({ url, events, description: description || undefined }),
      (endpoint) => {
        setCreated({ url: endpoint.url, secret: endpoint.secret });
        setUrl("");
        setDescription("");
      },
    );
  }

  return (
    <section
      aria-labelledby="add-endpoint"
      className="space-y-3 rounded-lg border border-neutral-200 p-4 dark:border-neutral-800"
    >
      <h2 id="add-endpoint" className="font-semibold">
        Add an endpoint
      </h2>
      {created && (
        <SecretReveal
          title={`Signing secret for ${created.url}`}
          secret={created.secret}
          onDismiss={() => setCreated(null)}
        />
      )}
      <form onSubmit={submit} className="space-y-3">
        <div className="grid gap-3 sm:grid-cols-2">
          <div>
            <label htmlFor="webhook-url" className="block text-sm font-medium">
              Endpoint URL
            </label>
            <input
              id="webhook-url"
              type="url"
              required
              value={url}
              onChange={(e) => setUrl(e.target.value)}
              placeholder="https://example.com/webhooks/tapdesk"
              className={field}
            />
          </div>
          <div>
            <label htmlFor="webhook-description" className="block text-sm font-medium">
              Description <span className="font-normal text-neutral-500 dark:text-neutral-400">(optional)</span>
            </label>
            <input
              id="webhook-description"
              value={description}
              maxLength={200}
              onChange={(e) => setDescription(e.target.value)}
              placeholder="Production agent backend"
              className={field}
            />
          </div>
        </div>
        <fieldset>
          <legend className="text-sm font-medium">Events</legend>
          <div className="mt-1 space-y-1">
            {EVENT_TYPES.map((type) => (
              <label key={type} className="flex items-baseline gap-2 text-sm">
                <input
                  type="checkbox"
                  checked={events.includes(type)}
                  onChange={(e) =>
                    setEvents((list) => (e.target.checked ? [...list, type] : list.filter((t) => t !== type)))
                  }
                />
                <code className="font-mono text-xs">{type}</code>
                <span className="text-neutral-500 dark:text-neutral-400">{EVENT_LABELS[type]}</span>
              </label>
            ))}
          </div>
        </fieldset>
        {error && (
          <p
            role="alert"
            className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-800 dark:bg-red-950 dark:text-red-200"
          >
            {error}
          </p>
        )}
        <button type="submit" className={primaryButton} disabled={pending || events.length === 0}>
          {pending ? "Adding…" : "Add endpoint"}
        </button>
      </form>
    </section>
  );
}
