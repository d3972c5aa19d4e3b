import { route } from "@/lib/api/operation";
import { sendReaction } from "@/lib/api/operations/reactions";

export const { GET, POST, PUT, PATCH, DELETE } = route(sendReaction);
