"use client";

import { useState } from "react";
import { deleteEndpointAction, rotateSecretAction, updateEndpointAction } from "@/app/(app)/settings/webhooks/actions";
import { useRefreshingAction } from "@/components/settings/use-refreshing-action";
import { SecretReveal } from "./secret-reveal";
import { quietButton } from "./styles";

/** Enable or disable, rotate the secret, delete: each through the webhook service. */
export function EndpointActions({ id, url, enabled }: { id: string; url: string; enabled: boolean }) {
  const { pending, error, run } = useRefreshingAction();
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [secret, setSecret] = useState<string | null>(null);

  return (
    <div className="space-y-2">
      <div className="flex flex-wrap gap-2">
        <button
          type="button"
          className={quietButton}
          disabled={pending}
          onClick={() => run(() => updateEndpointAction({ id, changes: { enabled: !enabled } }))}
        >
          {enabled ? "Disable" : "Enable"}
        </button>
        <button
          type="button"
          className={quietButton}
          disabled={pending}
          onClick={() =>
            run(
              () => rotateSecretAction({ id }),
              (data) => setSecret(data.secret),
            )
          }
        >
          Rotate secret
        </button>
        {confirmDelete ? (
          <>
            <button
              type="button"
              className={`${quietButton} border-red-400 text-red-700 dark:text-red-300`}
              disabled={pending}
              onClick={() => run(() => deleteEndpointAction({ id }))}
            >
              Delete endpoint and its log
            </button>
            <button type="button" className={quietButton} onClick={() => setConfirmDelete(false)}>
              Keep
            </button>
          </>
        ) : (
          <button type="button" className={quietButton} onClick={() => setConfirmDelete(true)}>
            Delete…
          </button>
        )}
      </div>
      {secret && (
        <SecretReveal
          title={`New signing secret for ${url}. The old one keeps signing beside it for 24 hours.`}
          secret={secret}
          onDismiss={() => setSecret(null)}
        />
      )}
      {error && (
        <p role="alert" className="text-sm text-red-700 dark:text-red-300">
          {error}
        </p>
      )}
    </div>
  );
}
