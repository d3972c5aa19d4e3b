import { route } from "@/lib/api/operation";
import { getConversation } from "@/lib/api/operations/conversations";

export const { GET, POST, PUT, PATCH, DELETE } = route(getConversation);
