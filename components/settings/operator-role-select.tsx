"use client";

import { useEffect, useState } from "react";
import { changeRoleAction } from "@/app/(app)/settings/operators/actions";
import { field } from "@/components/webhooks/styles";
import { useRefreshingAction } from "./use-refreshing-action";

/** Changes an operator's role the moment another is picked; a refusal (the last owner) is a sentence. */
export function OperatorRoleSelect({ id, email, role }: { id: string; email: string; role: "owner" | "member" }) {
  const { pending, error, run } = useRefreshingAction();
  // Shows the pick at once; the server's answer (after the refresh) has the last word.
  const [shown, setShown] = useState(role);
  useEffect(() => setShown(role), [role]);
  useEffect(() => {
    if (error) setShown(role);
  }, [error, role]);
  return (
    <span className="inline-flex flex-wrap items-center gap-2">
      <select
        aria-label={`Role of ${email}`}
        value={shown}
        disabled={pending}
        onChange={(e) => {
          const next = e.target.value === "owner" ? "owner" : "member";
          setShown(next);
          run(() => changeRoleAction({ id, role: next }));
        }}
        className={`${field} w-auto min-w-24`}
      >
        <option value="owner">Owner</option>
        <option value="member">Member</option>
      </select>
      {error && (
        <span role="alert" className="text-xs text-red-700 dark:text-red-300">
          {error}
        </span>
      )}
    </span>
  );
}
