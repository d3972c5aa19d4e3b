"use client";

import { useRouter } from "next/navigation";
import { useEffect, useState, useTransition } from "react";
import { setNotificationsAction } from "@/app/(app)/settings/account/actions";
import { Alert } from "../ui/alert";
import { Switch } from "../ui/switch";

/**
 * Opt in to browser notifications for the conversations this operator took over. Turning it
 * on asks the browser's permission first; the choice is kept per operator on the server.
 */
export function NotificationsSetting({ initial }: { initial: boolean }) {
  const router = useRouter();
  const [on, setOn] = useState(initial);
  const [pending, startTransition] = useTransition();
  const [error, setError] = useState("");
  const [permission, setPermission] = useState<NotificationPermission | "unsupported" | null>(null);

  useEffect(() => {
    setPermission(typeof Notification === "undefined" ? "unsupported" : Notification.permission);
  }, []);

  const toggle = () =>
    startTransition(async () => {
      setError("");
      const next = !on;
      if (next && typeof Notification !== "undefined" && Notification.permission === "default") {
        setPermission(await Notification.requestPermission());
      }
      const result = await setNotificationsAction({ on: next });
      if (!result.ok) {
        setError(result.error);
        return;
      }
      setOn(next);
      // The layout starts (or stops) listening for notifications.
      router.refresh();
    });

  return (
    <section aria-labelledby="notifications-heading" className="mb-8 max-w-xl space-y-2">
      <h2 id="notifications-heading" className="font-semibold">
        Notifications
      </h2>
      <div className="flex items-center gap-3">
        <Switch
          checked={on}
          label="Notify me in this browser"
          disabled={pending || permission === "unsupported"}
          onToggle={toggle}
        />
        <span className="text-sm">Notify me in this browser</span>
      </div>
      <p className="text-sm text-neutral-700 dark:text-neutral-300">
        When the person writes or reacts in a conversation you took over, while Tapdesk is in a hidden tab.
      </p>
      {on && permission === "denied" && (
        <Alert>This browser blocks notifications from Tapdesk: allow them in the site's settings.</Alert>
      )}
      {permission === "unsupported" && <Alert>This browser cannot show notifications.</Alert>}
      <Alert>{error}</Alert>
    </section>
  );
}
