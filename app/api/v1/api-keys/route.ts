import { route } from "@/lib/api/operation";
import { createApiKey, listApiKeys } from "@/lib/api/operations/api-keys";

export const { GET, POST, PUT, PATCH, DELETE } = route(listApiKeys, createApiKey);
