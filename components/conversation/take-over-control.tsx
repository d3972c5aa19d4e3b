"use client";

import { useState, useTransition } from "react";
import { handBackAction, takeOverAction } from "@/app/(app)/conversations/[id]/actions";
import type { ThreadView } from "@/lib/conversations/view";
import { Button } from "../ui/button";
import { useLocalFormat } from "../ui/local-time";

const TIME: Intl.DateTimeFormatOptions = { hour: "numeric", minute: "2-digit" };

/**
 * "Take over" / "Hand back" (SPEC §11): while an operator holds the conversation, the agent's
 * own sends to it are refused (409 conversation_taken_over); the operators' replies and
 * tapbacks still go out.
 */
export function TakeOverControl({
  conversationId,
  agentName,
  takenOver,
  me,
  onChanged,
  announce,
}: {
  conversationId: string;
  agentName: string;
  takenOver: ThreadView["takenOver"];
  me: { id: string; email: string };
  onChanged: () => Promise<unknown>;
  announce: (text: string) => void;
}) {
  const [pending, startTransition] = useTransition();
  const [error, setError] = useState("");
  const time = useLocalFormat(TIME);
  const mine = takenOver?.operator.id === me.id;

  const run = (take: boolean) =>
    startTransition(async () => {
      setError("");
      const result = await (take ? takeOverAction : handBackAction)({ conversationId });
      if (!result.ok) {
        setError(result.error);
        return;
      }
      await onChanged();
      announce(
        take
          ? `You took this conversation over. ${agentName} cannot send to it until you hand it back.`
          : `You handed this conversation back to ${agentName}.`,
      );
    });

  return (
    <div className="flex min-w-0 flex-1 flex-wrap items-center gap-2 text-xs">
      {takenOver ? (
        <span className="rounded-full bg-amber-100 px-2 py-0.5 font-medium text-amber-900 dark:bg-amber-950 dark:text-amber-200">
          Taken over by {mine ? "you" : takenOver.operator.email} since {time(takenOver.at)}
        </span>
      ) : (
        <span className="text-neutral-700 dark:text-neutral-300">{agentName} is answering</span>
      )}
      {error && (
        <span role="alert" className="text-red-700 dark:text-red-300">
          {error}
        </span>
      )}
      <span className="ml-auto" />
      {takenOver ? (
        <Button variant="secondary" size="sm" disabled={pending} onClick={() => run(false)}>
          Hand back
        </Button>
      ) : (
        <Button variant="secondary" size="sm" disabled={pending} onClick={() => run(true)}>
          Take over
        </Button>
      )}
    </div>
  );
}
