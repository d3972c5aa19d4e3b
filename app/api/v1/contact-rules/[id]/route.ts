import { route } from "@/lib/api/operation";
import { deleteContactRule } from "@/lib/api/operations/contact-rules";

export const { GET, POST, PUT, PATCH, DELETE } = route(deleteContactRule);
