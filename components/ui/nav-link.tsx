"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { cx } from "./cx";

/**
 * A navigation link that knows whether it leads to the page on screen: it then carries
 * `aria-current="page"` (what a screen reader announces) and `activeClassName` (what a sighted
 * operator sees). A section link is current on its pages below it too (`/settings` on `/settings/agents`).
 */
export function NavLink({
  href,
  className,
  activeClassName,
  children,
}: {
  href: string;
  className?: string;
  activeClassName: string;
  children: React.ReactNode;
}) {
  const pathname = usePathname();
  const current = pathname === href || pathname.startsWith(`${href}/`);
  return (
    <Link href={href} aria-current={current ? "page" : undefined} className={cx(className, current && activeClassName)}>
      {children}
    </Link>
  );
}
