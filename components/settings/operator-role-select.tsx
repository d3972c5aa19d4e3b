"use client";

import { useEffect, useState } from "react";
import { changeRoleAction } from "@/app/(app)/settings/operators/actions";
import { Alert } from "@/components/ui/alert";
import { Select } from "@/components/ui/select";
import { useRefreshingAction } from "./use-refreshing-action";

const ROLES = [
  { value: "owner", label: "Owner" },
  { value: "member", label: "Member" },
];

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
      <Select
        aria-label={`Role of ${email}`}
        value={shown}
        disabled={pending}
        onChange={(e) => {
          const next = e.target.value === "owner" ? "owner" : "member";
          setShown(next);
          run(() => changeRoleAction({ id, role: next }));
        }}
        options={ROLES}
        className="w-auto min-w-24"
      />
      <Alert small>{error}</Alert>
    </span>
  );
}
