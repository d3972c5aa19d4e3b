/** A page's title (its one <h1>) and the sentence under it that says what the page is for. */
export function PageHeader({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <header className="space-y-1">
      <h1 className="text-xl font-semibold">{title}</h1>
      <p className="text-sm text-neutral-600 dark:text-neutral-400">{children}</p>
    </header>
  );
}
