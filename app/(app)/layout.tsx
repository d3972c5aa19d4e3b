import Link from "next/link";
import { signOutAction } from "@/app/login/actions";
import { NotificationWatcher } from "@/components/notification-watcher";
import { Button } from "@/components/ui/button";
import { NavLink } from "@/components/ui/nav-link";
import { requireOperator } from "@/lib/auth/session";

export const dynamic = "force-dynamic";

/** The header's current section: underlined as well as darker, so colour is not the only sign. */
const CURRENT = "font-medium text-neutral-900 underline decoration-2 underline-offset-[6px] dark:text-white";

export default async function AppLayout({ children }: { children: React.ReactNode }) {
  const operator = await requireOperator();
  return (
    <div className="flex h-dvh flex-col">
      <header className="flex items-center gap-3 border-b border-neutral-200 px-3 py-2 text-sm sm:gap-6 sm:px-4 dark:border-neutral-800">
        <Link href="/conversations" className="font-semibold tracking-tight">
          Tapdesk
        </Link>
        <nav aria-label="Main" className="flex gap-3 text-neutral-700 sm:gap-4 dark:text-neutral-300">
          <NavLink
            href="/conversations"
            className="hover:text-neutral-900 dark:hover:text-white"
            activeClassName={CURRENT}
          >
            Inbox
          </NavLink>
          <NavLink href="/feedback" className="hover:text-neutral-900 dark:hover:text-white" activeClassName={CURRENT}>
            Feedback
          </NavLink>
          <NavLink href="/settings" className="hover:text-neutral-900 dark:hover:text-white" activeClassName={CURRENT}>
            Settings
          </NavLink>
          {/* A plain link: the reference is a whole HTML document of its own, not a page of this app's router. */}
          <a href="/api-reference" className="hidden hover:text-neutral-900 sm:inline dark:hover:text-white">
            API reference
          </a>
        </nav>
        <div className="ml-auto flex items-center gap-3 text-neutral-600 dark:text-neutral-400">
          <span className="hidden md:inline">{operator.email}</span>
          <form action={signOutAction}>
            <Button type="submit" variant="ghost" size="sm">
              Sign out
            </Button>
          </form>
        </div>
      </header>
      <div className="flex min-h-0 flex-1">{children}</div>
      {operator.notifyTakenOver && <NotificationWatcher />}
    </div>
  );
}
