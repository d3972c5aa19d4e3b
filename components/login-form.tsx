"use client";

import { useActionState } from "react";
import { signInAction } from "@/app/login/actions";
import { Alert } from "@/components/ui/alert";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";

export function LoginForm() {
  const [state, action, pending] = useActionState(signInAction, null);
  return (
    <form action={action} className="space-y-4">
      <Field id="email" label="Email" labelStyle="inline">
        <Input
          name="email"
          type="email"
          autoComplete="username"
          required
          defaultValue={state?.email}
          key={state?.email}
          size="lg"
          className="mt-1"
        />
      </Field>
      <Field id="password" label="Password" labelStyle="inline">
        <Input name="password" type="password" autoComplete="current-password" required size="lg" className="mt-1" />
      </Field>
      <Alert boxed>{state?.error}</Alert>
      <button
        type="submit"
        disabled={pending}
        className="w-full rounded-lg bg-[#0066cc] py-2 text-sm font-semibold text-white hover:bg-blue-600 disabled:opacity-60"
      >
        {pending ? "Signing in…" : "Sign in"}
      </button>
    </form>
  );
}
