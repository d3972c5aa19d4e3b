"use client";

import { cx } from "./cx";
import { CONTROL, useFieldControl } from "./field";

const LOOKS = {
  /** Full width, as the inputs of a form. */
  md: CONTROL,
  /** A compact filter beside other controls (the inbox's agent filter). */
  sm: "rounded-md border border-neutral-300 bg-white px-2 py-1 text-sm dark:border-neutral-700 dark:bg-neutral-900",
};

export interface SelectOption {
  value: string | number;
  label: string;
}

/**
 * A select in the look of Input; inside a Field it takes the Field's id and description.
 * Its options come as `options` (value and label) or as children; `onValue` gets each pick.
 */
export function Select({
  size = "md",
  options,
  onValue,
  className,
  children,
  ...props
}: {
  size?: keyof typeof LOOKS;
  options?: readonly SelectOption[];
  onValue?: (value: string) => void;
} & Omit<React.SelectHTMLAttributes<HTMLSelectElement>, "size">) {
  return (
    <select {...useFieldControl(onValue)} {...props} className={cx(LOOKS[size], className)}>
      {options?.map((o) => (
        <option key={o.value} value={o.value}>
          {o.label}
        </option>
      ))}
      {children}
    </select>
  );
}
