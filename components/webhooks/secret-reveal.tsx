"use client";

import { useState } from "react";
import { quietButton } from "./styles";

/** A signing secret, shown once: the server never sends it again. */
export function SecretReveal({ title, secret, onDismiss }: { title: string; secret: string; onDismiss: () => void }) {
  const [copied, setCopied] = useState(false);
  return (
    <div
      role="status"
      className="space-y-2 rounded-lg border border-amber-300 bg-amber-50 p-3 text-sm dark:border-amber-700 dark:bg-amber-950/40"
    >
      <p className="font-medium">{title}</p>
      <p className="text-xs text-neutral-700 dark:text-neutral-300">
        Copy it now and store it with your receiver: it will not be shown again. Verify each request with a Standard
        Webhooks library.
      </p>
      <div className="flex items-center gap-2">
        <input
          readOnly
          aria-label="Signing secret"
          value={secret}
          onFocus={(e) => e.currentTarget.select()}
          className="min-w-0 flex-1 rounded border border-neutral-300 bg-white px-2 py-1 font-mono text-xs dark:border-neutral-700 dark:bg-neutral-900"
        />
        <button
          type="button"
          className={quietButton}
          onClick={async () => {
            await navigator.clipboard.writeText(secret);
            setCopied(true);
          }}
        >
          {copied ? "Copied" : "Copy"}
        </button>
        <button type="button" className={quietButton} onClick={onDismiss}>
          Done
        </button>
      </div>
    </div>
  );
}
