"use client";

import { useState } from "react";
import { createEndpointAction } from "@/app/(app)/settings/webhooks/actions";
import { FormCard } from "@/components/settings/form-card";
import { OneTimeSecret } from "@/components/settings/one-time-secret";
import { Checkbox } from "@/components/ui/checkbox";
import { Field } from "@/components/ui/field";
import { FieldGrid } from "@/components/ui/field-grid";
import { Input } from "@/components/ui/input";
import { EVENT_TYPES, type EventType } from "@/lib/webhooks/event-types";

const EVENT_LABELS = {
  "imessage.reaction_received": "The person reacts to one of the agent's messages",
  "reaction.added": "Any reaction added or changed, by either side",
  "reaction.removed": "Any reaction removed, by either side",
  "conversation.taken_over": "An operator takes a conversation over from its agent",
  "conversation.handed_back": "An operator hands a conversation back to its agent",
} as const satisfies Record<EventType, string>;

export function CreateEndpointForm() {
  const [url, setUrl] = useState("");
  const [description, setDescription] = useState("");
  const [events, setEvents] = useState<EventType[]>([...EVENT_TYPES]);

  return (
    <FormCard
      id="add-endpoint"
      title="Add an endpoint"
      action={() => createEndpointAction({ url, events, description: description || undefined })}
      onDone={() => {
        setUrl("");
        setDescription("");
      }}
      labels={["Add endpoint", "Adding…"]}
      disabled={events.length === 0}
      reveal={(endpoint, dismiss) => (
        <OneTimeSecret
          kind="signing-secret"
          title={`Signing secret for ${endpoint.url}`}
          secret={endpoint.secret}
          onDismiss={dismiss}
        />
      )}
    >
      <FieldGrid>
        <Field id="webhook-url" label="Endpoint URL">
          <Input type="url" required value={url} onValue={setUrl} placeholder="https://example.com/webhooks/tapdesk" />
        </Field>
        <Field
          id="webhook-description"
          label={
            <>
              Description <span className="font-normal text-neutral-500 dark:text-neutral-400">(optional)</span>
            </>
          }
        >
          <Input value={description} maxLength={200} onValue={setDescription} placeholder="Production agent backend" />
        </Field>
      </FieldGrid>
      <fieldset>
        <legend className="text-sm font-medium">Events</legend>
        <div className="mt-1 space-y-1">
          {EVENT_TYPES.map((type) => (
            <Checkbox
              key={type}
              className="flex items-baseline gap-2 text-sm"
              checked={events.includes(type)}
              onChange={(e) =>
                setEvents((list) => (e.target.checked ? [...list, type] : list.filter((t) => t !== type)))
              }
              label={
                <>
                  <code className="font-mono text-xs">{type}</code>
                  <span className="text-neutral-500 dark:text-neutral-400">{EVENT_LABELS[type]}</span>
                </>
              }
            />
          ))}
        </div>
      </fieldset>
    </FormCard>
  );
}
