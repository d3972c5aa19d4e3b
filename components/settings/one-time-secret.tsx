"use client";

import { useState } from "react";
import { Button } from "@/components/ui/button";

/** How each secret the server shows only once is presented: its field's name and the advice. */
const KINDS = {
  "api-key": {
    label: "New API key",
    copyable: true,
    advice: (
      <>
        Copy it now: it will not be shown again. Send it as <code>Authorization: Bearer &lt;key&gt;</code>.
      </>
    ),
  },
  "signing-secret": {
    label: "Signing secret",
    copyable: true,
    advice:
      "Copy it now and store it with your receiver: it will not be shown again. Verify each request with a Standard Webhooks library.",
  },
  password: {
    label: "One-time password",
    copyable: false,
    advice:
      "Give them this one-time password: it will not be shown again. They can change it under Settings → Your account.",
  },
};

/**
 * A secret the server shows this once (only its hash, or its sealed form, is kept): what it
 * is, why to copy it now, the value selected on focus, Copy (but for a password) and Done.
 */
export function OneTimeSecret({
  kind,
  title,
  secret,
  onDismiss,
}: {
  kind: keyof typeof KINDS;
  title: string;
  secret: string;
  onDismiss: () => void;
}) {
  const { label, copyable, advice } = KINDS[kind];
  // Remembers which secret was copied, so a new one starts uncopied.
  const [copied, setCopied] = useState<string | null>(null);
  return (
    <div
      role="status"
      className="space-y-2 rounded-lg border border-amber-300 bg-amber-50 p-3 text-sm dark:border-amber-700 dark:bg-amber-950/40"
    >
      <p className="font-medium">{title}</p>
      <p className="text-xs text-neutral-700 dark:text-neutral-300">{advice}</p>
      <div className="flex items-center gap-2">
        <input
          readOnly
          aria-label={label}
          value={secret}
          onFocus={(e) => e.currentTarget.select()}
          className="min-w-0 flex-1 rounded border border-neutral-300 bg-white px-2 py-1 font-mono text-xs dark:border-neutral-700 dark:bg-neutral-900"
        />
        {copyable && (
          <Button
            variant="secondary"
            size="sm"
            onClick={async () => {
              await navigator.clipboard.writeText(secret);
              setCopied(secret);
            }}
          >
            {copied === secret ? "Copied" : "Copy"}
          </Button>
        )}
        <Button variant="secondary" size="sm" onClick={onDismiss}>
          Done
        </Button>
      </div>
    </div>
  );
}
