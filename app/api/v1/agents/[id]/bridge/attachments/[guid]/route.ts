import { route } from "@/lib/api/operation";
import { getBridgeAttachment } from "@/lib/api/operations/agents";

export const { GET, POST, PUT, PATCH, DELETE } = route(getBridgeAttachment);
