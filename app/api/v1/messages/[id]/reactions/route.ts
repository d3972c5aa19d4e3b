import { route } from "@/lib/api/operation";
import { operateReaction } from "@/lib/api/operations/reactions";

export const { GET, POST, PUT, PATCH, DELETE } = route(operateReaction);
