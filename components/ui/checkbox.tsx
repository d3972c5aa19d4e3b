/**
 * A checkbox inside its label, so the text names it and a click on the text toggles it.
 * `className` is the label's layout (default: the box and its text side by side).
 */
export function Checkbox({
  label,
  className = "flex items-center gap-2",
  ...props
}: { label: React.ReactNode } & Omit<React.InputHTMLAttributes<HTMLInputElement>, "type">) {
  return (
    <label className={className}>
      <input type="checkbox" {...props} />
      {label}
    </label>
  );
}
