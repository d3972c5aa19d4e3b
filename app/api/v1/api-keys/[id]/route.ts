import { route } from "@/lib/api/operation";
import { revokeApiKey } from "@/lib/api/operations/api-keys";

export const { GET, POST, PUT, PATCH, DELETE } = route(revokeApiKey);
