import type { DetailsActor } from "@/lib/audit/details";

/**
 * How a change was made, as a phrase that follows the reaction: through an API key (by
 * name), by an operator in the dashboard (by email), by the person, or by the bridge. An actor
 * type this code does not know yet still reads sensibly, by its own name.
 */
export function actorPhrase(actor: DetailsActor | null, remoteNumber: string): string {
  if (!actor) return "by someone Tapdesk no longer knows";
  switch (actor.type) {
    case "api_key":
      return actor.name ? `through the API key “${actor.name}”` : "through an API key that no longer exists";
    case "operator":
      return actor.name ? `by ${actor.name} in the dashboard` : "by a removed operator in the dashboard";
    case "human":
      return `by the person (${actor.name ?? remoteNumber})`;
    case "bridge":
      return "by the bridge (the Mac running BlueBubbles)";
    default:
      return `by ${actor.type.replaceAll("_", " ")}${actor.name ? ` ${actor.name}` : actor.id ? ` ${actor.id}` : ""}`;
  }
}
