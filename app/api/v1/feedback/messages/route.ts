import { route } from "@/lib/api/operation";
import { listFeedbackMessages } from "@/lib/api/operations/feedback";

export const { GET, POST, PUT, PATCH, DELETE } = route(listFeedbackMessages);
