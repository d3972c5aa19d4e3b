import { route } from "@/lib/api/operation";
import { getMessage } from "@/lib/api/operations/conversations";

export const { GET, POST, PUT, PATCH, DELETE } = route(getMessage);
