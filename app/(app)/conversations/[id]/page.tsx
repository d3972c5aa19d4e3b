import { notFound } from "next/navigation";
import { Thread } from "@/components/conversation/thread";
import { requireOperator } from "@/lib/auth/session";
import { markRead, threadView } from "@/lib/conversations/view";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { isUuid } from "@/lib/ids";

export default async function ConversationPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<{ message?: string }>;
}) {
  const { id } = await params;
  // ?message= (the feedback review queue's links): scrolled to and highlighted.
  const { message } = await searchParams;
  const operator = await requireOperator();
  if (!isUuid(id)) notFound();
  const prisma = await db();
  try {
    const view = await threadView(prisma, operator.scope, id);
    await markRead(prisma, operator.scope, operator.id, id);
    return (
      <Thread
        key={id}
        initial={view}
        me={{ id: operator.id, email: operator.email }}
        highlight={isUuid(message ?? "") ? message : undefined}
      />
    );
  } catch (error) {
    if (error instanceof AppError && error.status === 404) notFound();
    throw error;
  }
}
