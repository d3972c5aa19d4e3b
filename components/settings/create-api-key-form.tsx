"use client";

import { useState } from "react";
import { createApiKeyAction } from "@/app/(app)/settings/api-keys/actions";
import { Field } from "@/components/ui/field";
import { FieldGrid } from "@/components/ui/field-grid";
import { Input } from "@/components/ui/input";
import { Select } from "@/components/ui/select";
import { FormCard } from "./form-card";
import { OneTimeSecret } from "./one-time-secret";

/** Creates a key and shows its secret this once: the server keeps only a keyed hash. */
export function CreateApiKeyForm({ agents }: { agents: { id: string; name: string }[] }) {
  const [name, setName] = useState("");
  const [agentId, setAgentId] = useState("");
  const access = [
    { value: "", label: "Workspace-wide (every conversation and the settings)" },
    ...agents.map((a) => ({ value: a.id, label: `Only ${a.name}'s conversations` })),
  ];

  return (
    <FormCard
      id="add-key"
      title="Create an API key"
      action={() => createApiKeyAction({ name, agent_id: agentId || null })}
      onDone={() => setName("")}
      labels={["Create key", "Creating…"]}
      reveal={(key, dismiss) => (
        <OneTimeSecret kind="api-key" title={`The key “${key.name}”`} secret={key.key} onDismiss={dismiss} />
      )}
    >
      <FieldGrid>
        <Field id="key-name" label="Name">
          <Input required maxLength={100} value={name} onValue={setName} placeholder="Support bot in production" />
        </Field>
        <Field id="key-scope" label="Access">
          <Select value={agentId} onValue={setAgentId} options={access} />
        </Field>
      </FieldGrid>
    </FormCard>
  );
}
