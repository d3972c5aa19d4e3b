import { route } from "@/lib/api/operation";
import { getReaction, removeReaction } from "@/lib/api/operations/reactions";

export const { GET, POST, PUT, PATCH, DELETE } = route(getReaction, removeReaction);
