"use client";

import { cx } from "./cx";
import { CONTROL, useFieldControl } from "./field";

const LOOKS = {
  /** Settings forms, the sandbox, the inbox search. */
  md: CONTROL,
  /** The sign-in card: roomier, with a blue focus ring. */
  lg: "w-full rounded-lg border border-neutral-300 bg-white px-3 py-2 text-sm outline-none focus:border-blue-500 focus:ring-2 focus:ring-blue-500/30 dark:border-neutral-700 dark:bg-neutral-950",
};

/** A text input; inside a Field it takes the Field's id and description. `onValue` gets each new value. */
export function Input({
  size = "md",
  onValue,
  className,
  ...props
}: { size?: keyof typeof LOOKS; onValue?: (value: string) => void } & Omit<
  React.InputHTMLAttributes<HTMLInputElement>,
  "size"
>) {
  return <input {...useFieldControl(onValue)} {...props} className={cx(LOOKS[size], className)} />;
}
