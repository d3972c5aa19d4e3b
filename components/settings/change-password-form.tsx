"use client";

import { useState } from "react";
import { changePasswordAction } from "@/app/(app)/settings/account/actions";
import { field, primaryButton } from "@/components/webhooks/styles";
import { FormError } from "./form-error";
import { useRefreshingAction } from "./use-refreshing-action";

/** `minLength` comes from the server's schema (zod stays out of the browser bundle: it probes eval, which the CSP refuses). */
export function ChangePasswordForm({ minLength }: { minLength: number }) {
  const { pending, error, run } = useRefreshingAction();
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [done, setDone] = useState(false);

  function submit(e: React.FormEvent) {
    e.preventDefault();
    setDone(false);
    run(
      () => changePasswordAction({ current, next }),
      () => {
        setDone(true);
        setCurrent("");
        setNext("");
      },
    );
  }

  return (
    <form onSubmit={submit} className="max-w-sm space-y-3" aria-labelledby="password-heading">
      <h2 id="password-heading" className="font-semibold">
        Change your password
      </h2>
      <div>
        <label htmlFor="current-password" className="block text-sm font-medium">
          Current password
        </label>
        <input
          id="current-password"
          type="password"
          required
          autoComplete="current-password"
          value={current}
          onChange={(e) => setCurrent(e.target.value)}
          className={field}
        />
      </div>
      <div>
        <label htmlFor="new-password" className="block text-sm font-medium">
          New password
        </label>
        <input
          id="new-password"
          type="password"
          required
          minLength={minLength}
          autoComplete="new-password"
          aria-describedby="new-password-hint"
          value={next}
          onChange={(e) => setNext(e.target.value)}
          className={field}
        />
        <p id="new-password-hint" className="mt-1 text-xs text-neutral-600 dark:text-neutral-400">
          At least {minLength} characters. Your other sessions are signed out.
        </p>
      </div>
      <FormError message={error} />
      {done && (
        <p role="status" className="text-sm text-green-800 dark:text-green-300">
          Your password is changed.
        </p>
      )}
      <button type="submit" className={primaryButton} disabled={pending}>
        {pending ? "Changing…" : "Change password"}
      </button>
    </form>
  );
}
