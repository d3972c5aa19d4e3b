import { route } from "@/lib/api/operation";
import { humanSendsMessage } from "@/lib/api/operations/sandbox";

export const { GET, POST, PUT, PATCH, DELETE } = route(humanSendsMessage);
