import { NavLink } from "@/components/ui/nav-link";
import { SmallHeading } from "@/components/ui/small-heading";
import { requireOperator } from "@/lib/auth/session";

// Members see only their own account; the owners' sections refuse them anyway (requireOwner).
const OWNER_SECTIONS = [
  { href: "/settings/agents", label: "Agents" },
  { href: "/settings/api-keys", label: "API keys" },
  { href: "/settings/webhooks", label: "Webhooks" },
  { href: "/settings/contact-rules", label: "Contact rules" },
  { href: "/settings/operators", label: "Operators" },
];
const EVERYONE = [{ href: "/settings/account", label: "Your account" }];

export default async function SettingsLayout({ children }: { children: React.ReactNode }) {
  const operator = await requireOperator();
  const sections = operator.role === "owner" ? [...OWNER_SECTIONS, ...EVERYONE] : EVERYONE;
  return (
    <div className="flex min-h-0 min-w-0 flex-1 flex-col md:flex-row">
      <nav
        aria-label="Settings"
        className="min-w-0 shrink-0 border-b border-neutral-200 p-3 md:w-56 md:border-r md:border-b-0 md:p-4 dark:border-neutral-800"
      >
        <SmallHeading as="h2" className="mb-2 hidden md:block">
          Settings
        </SmallHeading>
        <ul className="flex gap-1 overflow-x-auto text-sm md:block md:space-y-1">
          {sections.map((s) => (
            <li key={s.href} className="shrink-0">
              <NavLink
                href={s.href}
                className="block rounded-md px-2 py-1 hover:bg-neutral-100 dark:hover:bg-neutral-800"
                activeClassName="bg-neutral-100 font-medium text-neutral-900 dark:bg-neutral-800 dark:text-white"
              >
                {s.label}
              </NavLink>
            </li>
          ))}
        </ul>
      </nav>
      <main className="min-w-0 flex-1 overflow-y-auto p-4 md:p-6">{children}</main>
    </div>
  );
}
