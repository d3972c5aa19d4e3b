"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { redeliverAction } from "@/app/(app)/settings/webhooks/actions";
import { quietButton } from "./styles";

export function RedeliverButton({
  endpointId,
  deliveryId,
  label,
}: {
  endpointId: string;
  deliveryId: string;
  label: string;
}) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const [error, setError] = useState("");
  return (
    <span className="inline-flex items-center gap-2">
      <button
        type="button"
        aria-label={label}
        className={quietButton}
        disabled={pending}
        onClick={() =>
          startTransition(async () => {
            const result = await redeliverAction({ endpointId, deliveryId });
            setError(result.ok ? "" : result.error);
            router.refresh();
          })
        }
      >
        {pending ? "Queuing…" : "Redeliver"}
      </button>
      {error && (
        <span role="alert" className="text-xs text-red-700 dark:text-red-300">
          {error}
        </span>
      )}
    </span>
  );
}
