import { route } from "@/lib/api/operation";
import { createAgent, listAgents } from "@/lib/api/operations/agents";

export const { GET, POST, PUT, PATCH, DELETE } = route(listAgents, createAgent);
