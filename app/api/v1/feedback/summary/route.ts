import { route } from "@/lib/api/operation";
import { feedbackSummary } from "@/lib/api/operations/feedback";

export const { GET, POST, PUT, PATCH, DELETE } = route(feedbackSummary);
