import * as z from "../zod";

/** Settings → Operators and Your account: one schema per input, shared by actions and forms. */
export const operatorRole = z.enum(["owner", "member"]);

export const addOperatorInput = z
  .object({
    email: z.email("Enter an email address.").max(320).trim().toLowerCase(),
    name: z.string().trim().max(100).optional(),
    role: operatorRole,
  })
  .strict();

export const changeRoleInput = z.object({ id: z.uuid(), role: operatorRole }).strict();

export const removeOperatorInput = z.object({ id: z.uuid() }).strict();

export const MIN_PASSWORD = 10;

export const changePasswordInput = z
  .object({
    current: z.string().min(1, "Enter your current password.").max(1024),
    next: z.string().min(MIN_PASSWORD, `Use at least ${MIN_PASSWORD} characters.`).max(1024),
  })
  .strict();
