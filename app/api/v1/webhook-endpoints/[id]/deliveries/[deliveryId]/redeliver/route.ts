import { route } from "@/lib/api/operation";
import { redeliver } from "@/lib/api/operations/webhooks";

export const { GET, POST, PUT, PATCH, DELETE } = route(redeliver);
