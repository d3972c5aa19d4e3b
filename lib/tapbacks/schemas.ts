import { z } from "zod";
import { CLASSIC } from "./kinds";

/** The dashboard's tapback: the agent adds or removes one of the classic six on a part. */
export const tapbackActionInput = z
  .object({
    messageId: z.uuid(),
    partIndex: z.number().int().min(0),
    operation: z.enum(["add", "remove"]),
    kind: z.enum(CLASSIC),
  })
  .strict();
export type TapbackActionInput = z.infer<typeof tapbackActionInput>;
