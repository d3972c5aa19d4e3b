"use client";

import { useState } from "react";
import { addOperatorAction } from "@/app/(app)/settings/operators/actions";
import { field, primaryButton, quietButton } from "@/components/webhooks/styles";
import { FormError } from "./form-error";
import { useRefreshingAction } from "./use-refreshing-action";

/** Adds an operator and shows their one-time password this once (only its hash is kept). */
export function AddOperatorForm() {
  const { pending, error, run } = useRefreshingAction();
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<"member" | "owner">("member");
  const [added, setAdded] = useState<{ email: string; password: string } | null>(null);

  function submit(e: React.FormEvent) {
    e.preventDefault();
    run(
      () => addOperatorAction({ email, role }),
      (op) => {
        setAdded({ email: op.email, password: op.password });
        setEmail("");
      },
    );
  }

  return (
    <section
      aria-labelledby="add-operator"
      className="space-y-3 rounded-lg border border-neutral-200 p-4 dark:border-neutral-800"
    >
      <h2 id="add-operator" className="font-semibold">
        Add an operator
      </h2>
      {added && (
        <div
          role="status"
          className="space-y-2 rounded-lg border border-amber-300 bg-amber-50 p-3 text-sm dark:border-amber-700 dark:bg-amber-950/40"
        >
          <p className="font-medium">{added.email} can sign in now</p>
          <p className="text-xs text-neutral-700 dark:text-neutral-300">
            Give them this one-time password: it will not be shown again. They can change it under Settings → Your
            account.
          </p>
          <div className="flex items-center gap-2">
            <input
              readOnly
              aria-label="One-time password"
              value={added.password}
              onFocus={(e) => e.currentTarget.select()}
              className="min-w-0 flex-1 rounded border border-neutral-300 bg-white px-2 py-1 font-mono text-xs dark:border-neutral-700 dark:bg-neutral-900"
            />
            <button type="button" className={quietButton} onClick={() => setAdded(null)}>
              Done
            </button>
          </div>
        </div>
      )}
      <form onSubmit={submit} className="space-y-3">
        <div className="grid gap-3 sm:grid-cols-2">
          <div>
            <label htmlFor="operator-email" className="block text-sm font-medium">
              Email
            </label>
            <input
              id="operator-email"
              type="email"
              required
              maxLength={320}
              autoComplete="off"
              value={email}
              onChange={(e) => setEmail(e.target.value)}
              className={field}
            />
          </div>
          <div>
            <label htmlFor="operator-role" className="block text-sm font-medium">
              Role
            </label>
            <select
              id="operator-role"
              value={role}
              onChange={(e) => setRole(e.target.value === "owner" ? "owner" : "member")}
              className={field}
            >
              <option value="member">Member: conversations, replies and tapbacks</option>
              <option value="owner">Owner: also agents, keys, webhooks, rules and operators</option>
            </select>
          </div>
        </div>
        <FormError message={error} />
        <button type="submit" className={primaryButton} disabled={pending}>
          {pending ? "Adding…" : "Add operator"}
        </button>
      </form>
    </section>
  );
}
