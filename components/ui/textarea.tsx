"use client";

import { cx } from "./cx";
import { CONTROL, useFieldControl } from "./field";

/** A multi-line input in the look of Input; inside a Field it takes the Field's id and description. */
export function Textarea({
  onValue,
  className,
  ...props
}: { onValue?: (value: string) => void } & React.TextareaHTMLAttributes<HTMLTextAreaElement>) {
  return <textarea {...useFieldControl(onValue)} {...props} className={cx(CONTROL, className)} />;
}
