import { cx } from "./cx";

/** A small uppercase grey heading over a list or a group (Inbox, Settings, Reactions now). */
export function SmallHeading({
  as: Tag,
  className,
  children,
}: {
  as: "h2" | "h3" | "h4";
  /** Placement only (margins, when it shows). */
  className?: string;
  children: React.ReactNode;
}) {
  return (
    <Tag
      className={cx("text-xs font-semibold uppercase tracking-wide text-neutral-600 dark:text-neutral-400", className)}
    >
      {children}
    </Tag>
  );
}
