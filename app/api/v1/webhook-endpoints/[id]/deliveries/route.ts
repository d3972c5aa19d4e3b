import { route } from "@/lib/api/operation";
import { listDeliveries } from "@/lib/api/operations/webhooks";

export const { GET, POST, PUT, PATCH, DELETE } = route(listDeliveries);
