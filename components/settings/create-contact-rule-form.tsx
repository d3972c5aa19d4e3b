"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { createContactRuleAction } from "@/app/(app)/settings/contact-rules/actions";
import { field, primaryButton } from "@/components/webhooks/styles";
import { FormError } from "./form-error";

export function CreateContactRuleForm() {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const [pattern, setPattern] = useState("");
  const [error, setError] = useState("");

  function submit(e: React.FormEvent) {
    e.preventDefault();
    setError("");
    startTransition(async () => {
      const result = await createContactRuleAction({ pattern: pattern.trim() });
      if (!result.ok) return setError(result.error);
      setPattern("");
      router.refresh();
    });
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
