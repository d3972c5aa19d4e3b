"use client";

import { useState } from "react";
import { changePasswordAction } from "@/app/(app)/settings/account/actions";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
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
      <Field id="current-password" label="Current password">
        <Input type="password" required autoComplete="current-password" value={current} onValue={setCurrent} />
      </Field>
      <Field
        id="new-password"
        label="New password"
        hint={<>At least {minLength} characters. Your other sessions are signed out.</>}
      >
        <Input
          type="password"
          required
          minLength={minLength}
          autoComplete="new-password"
          value={next}
          onValue={setNext}
        />
      </Field>
      <Alert boxed>{error}</Alert>
      <Alert tone="success">{done && "Your password is changed."}</Alert>
      <Button type="submit" disabled={pending}>
        {pending ? "Changing…" : "Change password"}
      </Button>
    </form>
  );
}
