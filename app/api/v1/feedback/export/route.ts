import { route } from "@/lib/api/operation";
import { exportFeedback } from "@/lib/api/operations/feedback";

export const { GET, POST, PUT, PATCH, DELETE } = route(exportFeedback);
