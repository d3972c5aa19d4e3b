import { PageHeader } from "./page-header";

const WIDTHS = { "3xl": "max-w-3xl", "4xl": "max-w-4xl", "5xl": "max-w-5xl" };

/** A settings page: its header, then its parts one under the other, no wider than `width`. */
export function Page({
  title,
  intro,
  width,
  children,
}: {
  title: string;
  intro: React.ReactNode;
  width: keyof typeof WIDTHS;
  children: React.ReactNode;
}) {
  return (
    <div className={`${WIDTHS[width]} space-y-6`}>
      <PageHeader title={title}>{intro}</PageHeader>
      {children}
    </div>
  );
}
