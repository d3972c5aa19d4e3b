import { currentOperator } from "@/lib/auth/session";
import { threadPoll } from "@/lib/conversations/thread-poll";

/** The open thread's poll: see lib/conversations/thread-poll.ts (lib/api/router.ts serves it too). */
export async function GET(request: Request, { params }: { params: Promise<{ id: string }> }) {
  return threadPoll(request, (await params).id, currentOperator);
}
