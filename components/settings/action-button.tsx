"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { quietButton } from "@/components/webhooks/styles";
import type { ActionResult } from "@/lib/actions";

/** One server action behind a button (confirmed first when `confirm` is given); the page refreshes when it worked. */
export function ActionButton<I>({
  action,
  input,
  label,
  pendingLabel,
  confirm,
  accessibleName,
}: {
  action: (input: I) => Promise<ActionResult<unknown>>;
  input: I;
  label: string;
  pendingLabel: string;
  confirm?: string;
  accessibleName?: string;
}) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const [error, setError] = useState("");
  return (
    <span className="inline-flex items-center gap-2">
      <button
        type="button"
        aria-label={accessibleName}
        className={quietButton}
        disabled={pending}
        onClick={() => {
          if (confirm && !window.confirm(confirm)) return;
          setError("");
          startTransition(async () => {
            const result = await action(input);
            if (!result.ok) return setError(result.error);
            router.refresh();
          });
        }}
      >
        {pending ? pendingLabel : label}
      </button>
      {error && (
        <span role="alert" className="text-xs text-red-700 dark:text-red-300">
          {error}
        </span>
      )}
    </span>
  );
}
