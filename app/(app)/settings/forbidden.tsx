import Link from "next/link";

/** What a member sees on an owner's settings page (HTTP 403): a sentence, and where to go instead. */
export default function OwnersOnly() {
  return (
    <div className="max-w-xl space-y-3">
      <h1 className="text-xl font-semibold">Only owners can open this page</h1>
      <p className="text-sm text-neutral-700 dark:text-neutral-300">
        Agents, bridges, API keys, webhooks, contact rules and operators are managed by the workspace's owners. Ask an
        owner if something here needs to change.
      </p>
      <p className="text-sm">
        <Link href="/conversations" className="underline">
          Back to the inbox
        </Link>{" "}
        ·{" "}
        <Link href="/settings/account" className="underline">
          Your account
        </Link>
      </p>
    </div>
  );
}
