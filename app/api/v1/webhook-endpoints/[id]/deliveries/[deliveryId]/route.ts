import { route } from "@/lib/api/operation";
import { getDelivery } from "@/lib/api/operations/webhooks";

export const { GET, POST, PUT, PATCH, DELETE } = route(getDelivery);
