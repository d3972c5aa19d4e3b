"use client";

import { useState } from "react";
import { createAgentAction } from "@/app/(app)/settings/agents/actions";
import { Alert } from "@/components/ui/alert";
import { Checkbox } from "@/components/ui/checkbox";
import { Field } from "@/components/ui/field";
import { FieldGrid } from "@/components/ui/field-grid";
import { Input } from "@/components/ui/input";
import { FormCard } from "./form-card";

export function CreateAgentForm() {
  const [name, setName] = useState("");
  const [handle, setHandle] = useState("");
  const [imessage, setImessage] = useState(true);
  const [customEmoji, setCustomEmoji] = useState(false);
  const [created, setCreated] = useState("");

  return (
    <FormCard
      id="add-agent"
      title="Add an agent"
      action={() =>
        createAgentAction({
          name,
          handle: handle.trim(),
          imessage_enabled: imessage,
          custom_emoji_sends: customEmoji,
        })
      }
      onStart={() => setCreated("")}
      onDone={(agent) => {
        setCreated(`${agent.name} was added.`);
        setName("");
        setHandle("");
      }}
      labels={["Add agent", "Adding…"]}
      status={<Alert tone="success">{created}</Alert>}
    >
      <FieldGrid>
        <Field id="agent-name" label="Name">
          <Input required maxLength={100} value={name} onValue={setName} placeholder="e.g. Billing assistant" />
        </Field>
        <Field id="agent-handle" label="Handle">
          <Input required value={handle} onValue={setHandle} placeholder="e.g. +12025550142 or bot@example.com" />
        </Field>
      </FieldGrid>
      <div className="flex flex-wrap gap-x-6 gap-y-2 text-sm">
        <Checkbox label="iMessage enabled" checked={imessage} onChange={(e) => setImessage(e.target.checked)} />
        <Checkbox
          label="May send custom emoji"
          checked={customEmoji}
          onChange={(e) => setCustomEmoji(e.target.checked)}
        />
      </div>
    </FormCard>
  );
}
