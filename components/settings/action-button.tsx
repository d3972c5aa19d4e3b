"use client";

import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import type { ActionResult } from "@/lib/actions";
import { useRefreshingAction } from "./use-refreshing-action";

export interface ActionButtonProps<I> {
  action: (input: I) => Promise<ActionResult<unknown>>;
  input: I;
  label: string;
  pendingLabel: string;
  confirm?: string;
  accessibleName?: string;
}

/** One server action behind a button (confirmed first when `confirm` is given); the page refreshes when it worked. */
export function ActionButton<I>({ action, input, label, pendingLabel, confirm, accessibleName }: ActionButtonProps<I>) {
  const { pending, error, run } = useRefreshingAction();
  return (
    <span className="inline-flex items-center gap-2">
      <Button
        variant="secondary"
        size="sm"
        aria-label={accessibleName}
        disabled={pending}
        onClick={() => {
          if (confirm && !window.confirm(confirm)) return;
          run(() => action(input));
        }}
      >
        {pending ? pendingLabel : label}
      </Button>
      <Alert small>{error}</Alert>
    </span>
  );
}
