import { route } from "@/lib/api/operation";
import { humanReacts } from "@/lib/api/operations/sandbox";

export const { GET, POST, PUT, PATCH, DELETE } = route(humanReacts);
