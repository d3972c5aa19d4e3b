/** Shared classes of the webhook settings, matching the rest of the dashboard. */
export const field =
  "w-full rounded-md border border-neutral-300 bg-white px-2 py-1.5 text-sm dark:border-neutral-700 dark:bg-neutral-900";
export const primaryButton =
  "rounded-md bg-neutral-900 px-3 py-1.5 text-sm font-medium text-white hover:bg-neutral-700 disabled:opacity-50 dark:bg-neutral-100 dark:text-neutral-900";
export const quietButton =
  "rounded-md border border-neutral-300 px-2 py-1 text-xs font-medium hover:bg-neutral-100 disabled:opacity-50 dark:border-neutral-700 dark:hover:bg-neutral-800";

export const EVENT_LABELS = {
  "imessage.reaction_received": "The person reacts to one of the agent's messages",
  "reaction.added": "Any reaction added or changed, by either side",
  "reaction.removed": "Any reaction removed, by either side",
} as const;
