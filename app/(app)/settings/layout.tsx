import Link from "next/link";

const SECTIONS = [
  { href: "/settings/agents", label: "Agents" },
  { href: "/settings/api-keys", label: "API keys" },
  { href: "/settings/webhooks", label: "Webhooks" },
  { href: "/settings/contact-rules", label: "Contact rules" },
];

export default function SettingsLayout({ children }: { children: React.ReactNode }) {
  return (
    <div className="flex min-h-0 flex-1">
      <nav aria-label="Settings" className="w-56 shrink-0 border-r border-neutral-200 p-4 dark:border-neutral-800">
        <h2 className="mb-2 text-xs font-semibold uppercase tracking-wide text-neutral-500 dark:text-neutral-400">
          Settings
        </h2>
        <ul className="space-y-1 text-sm">
          {SECTIONS.map((s) => (
            <li key={s.href}>
              <Link href={s.href} className="block rounded-md px-2 py-1 hover:bg-neutral-100 dark:hover:bg-neutral-800">
                {s.label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <main className="min-w-0 flex-1 overflow-y-auto p-6">{children}</main>
    </div>
  );
}
