import { cx } from "./cx";

const QUIET =
  "rounded-md border border-neutral-300 px-2 py-1 text-xs font-medium hover:bg-neutral-100 disabled:opacity-50 dark:border-neutral-700 dark:hover:bg-neutral-800";

/** Every look a dashboard button has, by variant and size. */
const LOOKS = {
  primary: {
    md: "rounded-md bg-neutral-900 px-3 py-1.5 text-sm font-medium text-white hover:bg-neutral-700 disabled:opacity-50 dark:bg-neutral-100 dark:text-neutral-900",
  },
  secondary: {
    md: "rounded-md border border-neutral-300 px-3 py-1.5 text-sm dark:border-neutral-700",
    sm: QUIET,
  },
  danger: {
    md: "rounded-md border border-red-300 px-3 py-1.5 text-sm text-red-800 dark:border-red-800 dark:text-red-300",
    sm: `${QUIET} border-red-400 text-red-700 dark:text-red-300`,
  },
  ghost: {
    md: "rounded-md px-3 py-1.5 text-sm",
    sm: "rounded-md px-2 py-1 text-sm hover:bg-neutral-100 dark:hover:bg-neutral-800",
  },
} as const;

/** Primary buttons come in one size; the others also small (table rows, toolbars). */
type Look = { variant?: "primary"; size?: "md" } | { variant: "secondary" | "danger" | "ghost"; size?: "md" | "sm" };

/**
 * A button in one of the dashboard's looks. `type` defaults to "button" (a submit says so);
 * `className` adds placement (float, shrink, breakpoints), never colours.
 */
export function Button({
  variant = "primary",
  size = "md",
  type = "button",
  className,
  ...props
}: Look & React.ButtonHTMLAttributes<HTMLButtonElement>) {
  const looks: Record<string, string> = LOOKS[variant];
  return <button type={type} className={cx(looks[size], className)} {...props} />;
}
