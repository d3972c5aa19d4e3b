import { api, json, noContent, otherMethods, pathId } from "@/lib/api/http";
import { agentReact } from "@/lib/api/reactions";
import { AppError } from "@/lib/errors";
import { findRemovableReaction, getReaction } from "@/lib/tapbacks/queries";

export const GET = api<{ id: string }>(async ({ db, caller }, { id }) =>
  json(await getReaction(db, caller, pathId(id, "reaction_not_found"))),
);

export const DELETE = api<{ id: string }>(async ({ db, caller }, { id }) => {
  const reaction = await findRemovableReaction(db, caller, pathId(id, "reaction_not_found"));
  const result = await agentReact(db, caller, reaction, { operation: "remove", reactionId: reaction.id });
  // Removed by someone else between the lookup and the slot's lock: it is gone all the same.
  if (result.outcome !== "removed") throw new AppError("reaction_not_found");
  return noContent();
});

export const { POST, PUT, PATCH } = otherMethods("GET, DELETE");
