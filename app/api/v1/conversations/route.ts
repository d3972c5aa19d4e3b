import { route } from "@/lib/api/operation";
import { listConversations } from "@/lib/api/operations/conversations";

export const { GET, POST, PUT, PATCH, DELETE } = route(listConversations);
