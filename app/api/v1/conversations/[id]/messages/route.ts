import { route } from "@/lib/api/operation";
import { listMessages, sendMessage } from "@/lib/api/operations/conversations";

export const { GET, POST, PUT, PATCH, DELETE } = route(listMessages, sendMessage);
