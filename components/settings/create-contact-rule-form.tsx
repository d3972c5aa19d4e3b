"use client";

import { useState } from "react";
import { createContactRuleAction } from "@/app/(app)/settings/contact-rules/actions";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { FormCard } from "./form-card";

export function CreateContactRuleForm() {
  const [pattern, setPattern] = useState("");

  return (
    <FormCard
      id="add-rule"
      title="Block a number or a prefix"
      action={() => createContactRuleAction({ pattern: pattern.trim() })}
      onDone={() => setPattern("")}
      labels={["Add rule", "Adding…"]}
      inline
    >
      <Field id="rule-pattern" label="Number or prefix" className="min-w-64 flex-1">
        <Input required value={pattern} onValue={setPattern} placeholder="+14155550123 or +1415555*" />
      </Field>
    </FormCard>
  );
}
