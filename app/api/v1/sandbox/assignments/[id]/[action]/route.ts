import { route } from "@/lib/api/operation";
import { humanDisconnects, humanReconnects } from "@/lib/api/operations/sandbox";

export const { GET, POST, PUT, PATCH, DELETE } = route(humanDisconnects, humanReconnects);
