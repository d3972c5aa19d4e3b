import type { DetailsActor } from "@/lib/audit/details";

/**
 * Who made a change, in words: the agent through an API key (by name) or from the dashboard
 * (by the operator's email), the person, or the bridge. An actor type this code does not know
 * yet still reads sensibly, by its name.
 */
export function actorLabel(actor: DetailsActor | null, agentName: string, remoteNumber: string): string {
  if (!actor) return "unknown";
  switch (actor.type) {
    case "api_key":
      return actor.name
        ? `${agentName} through the API key “${actor.name}”`
        : `${agentName} through an API key that no longer exists`;
    case "operator":
      return actor.name ? `${agentName}, sent by ${actor.name} from the dashboard` : `${agentName}, from the dashboard`;
    case "human":
      return `the person (${actor.name ?? remoteNumber})`;
    case "bridge":
      return "the bridge (the Mac running BlueBubbles)";
    default:
      return `${actor.type.replaceAll("_", " ")}${actor.name ? ` ${actor.name}` : actor.id ? ` ${actor.id}` : ""}`;
  }
}
