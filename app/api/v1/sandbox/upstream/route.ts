import { route } from "@/lib/api/operation";
import { getUpstreamMode, setUpstreamMode } from "@/lib/api/operations/sandbox";

export const { GET, POST, PUT, PATCH, DELETE } = route(getUpstreamMode, setUpstreamMode);
