import { notFound } from "next/navigation";
import { Thread } from "@/components/conversation/thread";
import { requireOperator } from "@/lib/auth/session";
import { markRead, threadView } from "@/lib/conversations/view";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/errors";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export default async function ConversationPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const operator = await requireOperator();
  if (!UUID.test(id)) notFound();
  const prisma = await db();
  try {
    const view = await threadView(prisma, operator.scope, id);
    await markRead(prisma, operator.scope, operator.id, id);
    return <Thread key={id} initial={view} />;
  } catch (error) {
    if (error instanceof AppError && error.status === 404) notFound();
    throw error;
  }
}
