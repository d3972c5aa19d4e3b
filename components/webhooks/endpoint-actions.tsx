"use client";

import { useState } from "react";
import { deleteEndpointAction, rotateSecretAction, updateEndpointAction } from "@/app/(app)/settings/webhooks/actions";
import { OneTimeSecret } from "@/components/settings/one-time-secret";
import { useRefreshingAction } from "@/components/settings/use-refreshing-action";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";

/** Enable or disable, rotate the secret, delete: each through the webhook service. */
export function EndpointActions({ id, url, enabled }: { id: string; url: string; enabled: boolean }) {
  const { pending, error, run } = useRefreshingAction();
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [secret, setSecret] = useState<string | null>(null);

  return (
    <div className="space-y-2">
      <div className="flex flex-wrap gap-2">
        <Button
          variant="secondary"
          size="sm"
          disabled={pending}
          onClick={() => run(() => updateEndpointAction({ id, changes: { enabled: !enabled } }))}
        >
          {enabled ? "Disable" : "Enable"}
        </Button>
        <Button
          variant="secondary"
          size="sm"
          disabled={pending}
          onClick={() =>
            run(
              () => rotateSecretAction({ id }),
              (data) => setSecret(data.secret),
            )
          }
        >
          Rotate secret
        </Button>
        {confirmDelete ? (
          <>
            <Button
              variant="danger"
              size="sm"
              disabled={pending}
              onClick={() => run(() => deleteEndpointAction({ id }))}
            >
              Delete endpoint and its log
            </Button>
            <Button variant="secondary" size="sm" onClick={() => setConfirmDelete(false)}>
              Keep
            </Button>
          </>
        ) : (
          <Button variant="secondary" size="sm" onClick={() => setConfirmDelete(true)}>
            Delete…
          </Button>
        )}
      </div>
      {secret && (
        <OneTimeSecret
          kind="signing-secret"
          title={`New signing secret for ${url}. The old one keeps signing beside it for 24 hours.`}
          secret={secret}
          onDismiss={() => setSecret(null)}
        />
      )}
      <Alert>{error}</Alert>
    </div>
  );
}
