"use client";

import { useState } from "react";
import { addOperatorAction } from "@/app/(app)/settings/operators/actions";
import { Field } from "@/components/ui/field";
import { FieldGrid } from "@/components/ui/field-grid";
import { Input } from "@/components/ui/input";
import { Select } from "@/components/ui/select";
import { FormCard } from "./form-card";
import { OneTimeSecret } from "./one-time-secret";

const ROLES = [
  { value: "member", label: "Member: conversations, replies and tapbacks" },
  { value: "owner", label: "Owner: also agents, keys, webhooks, rules and operators" },
];

/** Adds an operator and shows their one-time password this once (only its hash is kept). */
export function AddOperatorForm() {
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<"member" | "owner">("member");

  return (
    <FormCard
      id="add-operator"
      title="Add an operator"
      action={() => addOperatorAction({ email, role })}
      onDone={() => setEmail("")}
      labels={["Add operator", "Adding…"]}
      reveal={(op, dismiss) => (
        <OneTimeSecret kind="password" title={`${op.email} can sign in now`} secret={op.password} onDismiss={dismiss} />
      )}
    >
      <FieldGrid>
        <Field id="operator-email" label="Email">
          <Input type="email" required maxLength={320} autoComplete="off" value={email} onValue={setEmail} />
        </Field>
        <Field id="operator-role" label="Role">
          <Select value={role} onValue={(value) => setRole(value === "owner" ? "owner" : "member")} options={ROLES} />
        </Field>
      </FieldGrid>
    </FormCard>
  );
}
