import { route } from "@/lib/api/operation";
import { createSandboxConversation } from "@/lib/api/operations/sandbox";

export const { GET, POST, PUT, PATCH, DELETE } = route(createSandboxConversation);
