/** Joins class names, skipping the empty and the false ones (`cx("a", on && "b")`); none gives undefined. */
export function cx(...classes: (string | false | null | undefined)[]): string | undefined {
  return classes.filter(Boolean).join(" ") || undefined;
}
