"use client";

import { quietButton } from "@/components/webhooks/styles";
import type { ActionResult } from "@/lib/actions";
import { useRefreshingAction } from "./use-refreshing-action";

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
  const { pending, error, run } = useRefreshingAction();
  return (
    <span className="inline-flex items-center gap-2">
      <button
        type="button"
        aria-label={accessibleName}
        className={quietButton}
        disabled={pending}
        onClick={() => {
          if (confirm && !window.confirm(confirm)) return;
          run(() => action(input));
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
