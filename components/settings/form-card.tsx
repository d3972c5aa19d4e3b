"use client";

import { useState } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Section } from "@/components/ui/section";
import type { ActionResult } from "@/lib/actions";
import { useRefreshingAction } from "./use-refreshing-action";

/**
 * A titled card with one form that runs one server action: its fields, the action's failure
 * sentence, and the submit button, which reads `labels[1]` while the action runs. When the
 * action worked, `onDone` gets its data and the page refreshes. `reveal` shows the data of the
 * last success above the form until dismissed (a secret shown once); `status` sits above the
 * button (what the last submit did). `inline` puts the fields and the button in one row, the
 * sentence under it.
 */
export function FormCard<T>({
  id,
  title,
  action,
  onStart,
  onDone,
  labels: [label, pendingLabel],
  disabled = false,
  reveal,
  status,
  inline = false,
  children,
}: {
  id: string;
  title: string;
  action: () => Promise<ActionResult<T>>;
  /** Called as the form is submitted, before the action runs. */
  onStart?: () => void;
  onDone?: (data: T) => void;
  /** The submit button's label, and its label while the action runs: ["Add agent", "Adding…"]. */
  labels: [string, string];
  /** Refuses submitting (besides while the action runs). */
  disabled?: boolean;
  reveal?: (data: T, dismiss: () => void) => React.ReactNode;
  status?: React.ReactNode;
  inline?: boolean;
  children: React.ReactNode;
}) {
  const { pending, error, run } = useRefreshingAction();
  const [shown, setShown] = useState<{ data: T } | null>(null);
  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    onStart?.();
    run(action, (data) => {
      if (reveal) setShown({ data });
      onDone?.(data);
    });
  };
  const button = (
    <Button type="submit" disabled={pending || disabled}>
      {pending ? pendingLabel : label}
    </Button>
  );
  return (
    <Section id={id} title={title} card>
      {shown && reveal?.(shown.data, () => setShown(null))}
      {inline ? (
        <>
          <form onSubmit={submit} className="flex flex-wrap items-end gap-3">
            {children}
            {button}
          </form>
          <Alert boxed>{error}</Alert>
        </>
      ) : (
        <form onSubmit={submit} className="space-y-3">
          {children}
          <Alert boxed>{error}</Alert>
          {status}
          {button}
        </form>
      )}
    </Section>
  );
}
