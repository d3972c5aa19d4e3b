import { cx } from "./cx";

/** A bordered box that groups one thing: a form, an agent's bridge, a delivery's detail. */
export function Card({
  as: Tag = "section",
  className,
  ...props
}: { as?: "section" | "article" | "div" } & React.HTMLAttributes<HTMLElement>) {
  return (
    <Tag
      className={cx("space-y-3 rounded-lg border border-neutral-200 p-4 dark:border-neutral-800", className)}
      {...props}
    />
  );
}
