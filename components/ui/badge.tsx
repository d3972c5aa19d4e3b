const TONES = {
  // These follow the colour scheme.
  green: "bg-green-100 text-green-800 dark:bg-green-950 dark:text-green-300",
  red: "bg-red-100 text-red-800 dark:bg-red-950 dark:text-red-300",
  amber: "bg-amber-100 text-amber-900 dark:bg-amber-950 dark:text-amber-300",
  blue: "bg-blue-100 text-blue-800 dark:bg-blue-950 dark:text-blue-300",
  grey: "bg-neutral-100 text-neutral-700 dark:bg-neutral-800 dark:text-neutral-300",
  // These stay light in dark mode too (a thread's and an agent's connection state).
  "light-green": "bg-emerald-100 text-emerald-900",
  "light-red": "bg-red-100 text-red-900",
  "light-amber": "bg-amber-100 text-amber-900",
  "light-grey": "bg-neutral-100 text-neutral-800",
} as const;

export type BadgeTone = keyof typeof TONES;

/** A short status in a coloured pill (Enabled, Retrying, Connected…). */
export function Badge({ tone, children }: { tone: BadgeTone; children: React.ReactNode }) {
  return <span className={`rounded-full px-2 py-0.5 text-xs font-medium ${TONES[tone]}`}>{children}</span>;
}
