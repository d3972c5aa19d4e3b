import { route } from "@/lib/api/operation";
import { createContactRule, listContactRules } from "@/lib/api/operations/contact-rules";

export const { GET, POST, PUT, PATCH, DELETE } = route(listContactRules, createContactRule);
