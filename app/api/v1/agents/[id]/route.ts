import { route } from "@/lib/api/operation";
import { getAgent, updateAgent } from "@/lib/api/operations/agents";

export const { GET, POST, PUT, PATCH, DELETE } = route(getAgent, updateAgent);
