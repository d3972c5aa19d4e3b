"use client";

import { createContext, useContext } from "react";
import { cx } from "./cx";

interface FieldControl {
  id: string;
  describedBy: string | undefined;
  invalid: boolean;
}

/** The look every bordered control shares: inputs, text areas and selects of a form. */
export const CONTROL =
  "w-full rounded-md border border-neutral-300 bg-white px-2 py-1.5 text-sm dark:border-neutral-700 dark:bg-neutral-900";

const FieldContext = createContext<FieldControl | null>(null);

type Control = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;

/**
 * The attributes a control inside a Field takes from it: its id (the label's target), its
 * description and whether it is invalid (outside a Field, none); and, when `onValue` is
 * given, an onChange that hands over the new value.
 */
export function useFieldControl(onValue?: (value: string) => void) {
  const field = useContext(FieldContext);
  return {
    id: field?.id,
    "aria-describedby": field?.describedBy,
    "aria-invalid": field?.invalid || undefined,
    ...(onValue && { onChange: (e: React.ChangeEvent<Control>) => onValue(e.target.value) }),
  };
}

const LABEL = {
  /** Forms: the label above its control. */
  default: "mb-1 block text-sm font-medium",
  /** Dense panels (the sandbox): a small grey label. */
  quiet: "mb-1 block text-xs text-neutral-600 dark:text-neutral-400",
  /** The sign-in card: the label runs inline, its input (w-full) wraps below it. */
  inline: "text-sm font-medium",
};

/**
 * A label, its control (an Input, Textarea or Select given as children), an optional hint and
 * an optional error. The label points at the control by `id`, and the control is described
 * by the hint (`<id>-hint`) and the error (`<id>-error`), so a screen reader reads all three.
 */
export function Field({
  id,
  label,
  labelStyle = "default",
  hint,
  error,
  className,
  children,
}: {
  id: string;
  label: React.ReactNode;
  labelStyle?: keyof typeof LABEL;
  hint?: React.ReactNode;
  error?: string;
  /** The wrapper's layout (its width in a row, the spacing between label and control). */
  className?: string;
  children: React.ReactNode;
}) {
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const describedBy = cx(hintId, errorId);
  return (
    <div className={className}>
      <label htmlFor={id} className={LABEL[labelStyle]}>
        {label}
      </label>
      <FieldContext value={{ id, describedBy, invalid: !!error }}>{children}</FieldContext>
      {hint && (
        <p id={hintId} className="mt-1 text-xs text-neutral-600 dark:text-neutral-400">
          {hint}
        </p>
      )}
      {error && (
        <p id={errorId} className="mt-1 text-xs text-red-700 dark:text-red-300">
          {error}
        </p>
      )}
    </div>
  );
}
