"use client";

import { useOptimistic } from "react";
import { updateAgentAction } from "@/app/(app)/settings/agents/actions";
import { useRefreshingAction } from "./use-refreshing-action";

/** One of an agent's flags as a switch: flips at once, rolls back with a sentence if the save fails. */
export function AgentFlag({
  agentId,
  agentName,
  flag,
  label,
  value,
}: {
  agentId: string;
  agentName: string;
  flag: "imessage_enabled" | "custom_emoji_sends";
  label: string;
  value: boolean;
}) {
  const { pending, error, run } = useRefreshingAction();
  const [shown, setShown] = useOptimistic(value);
  return (
    <span className="inline-flex items-center gap-2">
      <button
        type="button"
        role="switch"
        aria-checked={shown}
        aria-label={`${label} for ${agentName}`}
        disabled={pending}
        onClick={() =>
          // The optimistic flip happens inside run's transition, before the save is awaited.
          run(() => {
            setShown(!shown);
            return updateAgentAction({ id: agentId, changes: { [flag]: !shown } });
          })
        }
        className={`relative h-5 w-9 rounded-full transition-colors disabled:opacity-60 ${
          shown ? "bg-emerald-600" : "bg-neutral-300 dark:bg-neutral-700"
        }`}
      >
        <span
          className={`absolute top-0.5 left-0.5 h-4 w-4 rounded-full bg-white shadow transition-transform ${
            shown ? "translate-x-4" : ""
          }`}
        />
      </button>
      <span className="text-xs text-neutral-500 dark:text-neutral-400">{shown ? "On" : "Off"}</span>
      {error && (
        <span role="alert" className="text-xs text-red-700 dark:text-red-300">
          {error}
        </span>
      )}
    </span>
  );
}
