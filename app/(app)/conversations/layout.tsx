import { InboxList } from "@/components/inbox/inbox-list";
import { requireOperator } from "@/lib/auth/session";
import { inboxView } from "@/lib/conversations/view";
import { db } from "@/lib/db/client";

export default async function ConversationsLayout({ children }: { children: React.ReactNode }) {
  const operator = await requireOperator();
  const inbox = await inboxView(await db(), operator.scope, operator.id);
  return (
    <>
      <InboxList initial={inbox} />
      <main className="flex min-w-0 flex-1 flex-col">{children}</main>
    </>
  );
}
