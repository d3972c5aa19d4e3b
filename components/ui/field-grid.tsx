/** Form fields side by side in two columns from the sm breakpoint, stacked below it. */
export function FieldGrid({ children }: { children: React.ReactNode }) {
  return <div className="grid gap-3 sm:grid-cols-2">{children}</div>;
}
