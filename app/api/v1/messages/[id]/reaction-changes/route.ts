import { route } from "@/lib/api/operation";
import { listReactionChanges } from "@/lib/api/operations/conversations";

export const { GET, POST, PUT, PATCH, DELETE } = route(listReactionChanges);
