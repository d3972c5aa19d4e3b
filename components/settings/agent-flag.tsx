"use client";

import { useOptimistic } from "react";
import { updateAgentAction } from "@/app/(app)/settings/agents/actions";
import { Alert } from "@/components/ui/alert";
import { Switch } from "@/components/ui/switch";
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
    // A block-level flex row: inline, the text-less switch would sit on the line's baseline, above the row's text.
    <span className="flex items-center gap-2">
      <Switch
        checked={shown}
        label={`${label} for ${agentName}`}
        disabled={pending}
        onToggle={() =>
          // The optimistic flip happens inside run's transition, before the save is awaited.
          run(() => {
            setShown(!shown);
            return updateAgentAction({ id: agentId, changes: { [flag]: !shown } });
          })
        }
      />
      <span className="text-xs text-neutral-500 dark:text-neutral-400">{shown ? "On" : "Off"}</span>
      <Alert small>{error}</Alert>
    </span>
  );
}
