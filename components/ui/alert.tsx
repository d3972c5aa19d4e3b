import { cx } from "./cx";

const LOOKS = {
  /** A failed action's sentence in a tinted box, under a form. */
  box: "rounded-md bg-red-50 px-3 py-2 text-sm text-red-800 dark:bg-red-950 dark:text-red-200",
  /** A failed action's sentence as plain red text. */
  error: "text-red-700 dark:text-red-300",
  /** A sentence that says an action worked. */
  success: "text-green-800 dark:text-green-300",
};

/**
 * The sentence an action leaves behind. A failure is announced at once (role="alert"), a
 * success politely (role="status"). `small` is the inline form beside a button in a table
 * row. Nothing is rendered while there is no sentence.
 */
export function Alert({
  tone = "error",
  boxed = false,
  small = false,
  className,
  children,
}: {
  tone?: "error" | "success";
  boxed?: boolean;
  small?: boolean;
  className?: string;
  children: React.ReactNode;
}) {
  if (!children) return null;
  const role = tone === "error" ? "alert" : "status";
  const look = boxed ? LOOKS.box : LOOKS[tone];
  if (small) {
    return (
      <span role={role} className={cx("text-xs", look, className)}>
        {children}
      </span>
    );
  }
  return (
    <p role={role} className={cx(boxed ? undefined : "text-sm", look, className)}>
      {children}
    </p>
  );
}
