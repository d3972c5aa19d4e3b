"use client";

import { useEffect } from "react";
import type { NotificationPage } from "@/lib/conversations/notifications";

const WAIT_S = 25;
const RETRY_MS = 5_000;

/**
 * Opted in (Settings → Your account): while this tab is hidden, the human's messages and
 * tapbacks in the conversations this operator took over come up as browser notifications
 * (the Notification API; no push server). It long-polls /api/ui/notifications from a cursor,
 * also while hidden (that is the point), and shows nothing while the tab is in view: the
 * page shows it already. A click brings the tab back on that conversation.
 */
export function NotificationWatcher() {
  useEffect(() => {
    if (typeof Notification === "undefined") return;
    let stopped = false;
    let controller: AbortController | null = null;
    const ask = async (after?: string): Promise<NotificationPage> => {
      controller = new AbortController();
      const params = after ? `?after=${encodeURIComponent(after)}&wait=${WAIT_S}` : "";
      const response = await fetch(`/api/ui/notifications${params}`, { cache: "no-store", signal: controller.signal });
      if (!response.ok) throw new Error(`notifications: ${response.status}`);
      return (await response.json()) as NotificationPage;
    };
    const show = (page: NotificationPage) => {
      if (!document.hidden || Notification.permission !== "granted") return;
      for (const item of page.items) {
        const note = new Notification(
          item.kind === "message" ? `${item.remoteNumber} wrote` : `${item.remoteNumber} reacted`,
          { body: item.body, tag: item.id },
        );
        note.onclick = () => {
          window.focus();
          window.location.assign(`/conversations/${item.conversationId}`);
          note.close();
        };
      }
    };
    (async () => {
      let cursor: string | undefined;
      while (!stopped) {
        try {
          const page = await ask(cursor);
          if (cursor) show(page);
          cursor = page.cursor;
        } catch {
          if (stopped) return;
          await new Promise((r) => setTimeout(r, RETRY_MS));
        }
      }
    })();
    return () => {
      stopped = true;
      controller?.abort();
    };
  }, []);
  return null;
}
