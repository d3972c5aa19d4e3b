"use client";

import { useState } from "react";
import { createContactRuleAction } from "@/app/(app)/settings/contact-rules/actions";
import { field, primaryButton } from "@/components/webhooks/styles";
import { FormError } from "./form-error";
import { useRefreshingAction } from "./use-refreshing-action";

export function CreateContactRuleForm() {
  const { pending, error, run } = useRefreshingAction();
  const [pattern, setPattern] = useState("");

  function submit(e: React.FormEvent) {
    e.preventDefault();
    run(
      () => createContactRuleAction({ pattern: pattern.trim() }),
      () => setPattern(""),
    );
  }

  return (
    <section
      aria-labelledby="add-rule"
      className="space-y-3 rounded-lg border border-neutral-200 p-4 dark:border-neutral-800"
    >
      <h2 id="add-rule" className="font-semibold">
        Block a number or a prefix
      </h2>
      <form onSubmit={submit} className="flex flex-wrap items-end gap-3">
        <div className="min-w-64 flex-1">
          <label htmlFor="rule-pattern" className="block text-sm font-medium">
            Number or prefix
          </label>
          <input
            id="rule-pattern"
            required
            value={pattern}
            onChange={(e) => setPattern(e.target.value)}
            placeholder="+14155550123 or +1415555*"
            className={field}
          />
        </div>
        <button type="submit" className={primaryButton} disabled={pending}>
          {pending ? "Adding…" : "Add rule"}
        </button>
      </form>
      <FormError message={error} />
    </section>
  );
}
