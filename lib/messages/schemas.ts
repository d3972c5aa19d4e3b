import { z } from "zod";

/** One part of a message, as the API and the sandbox accept it. */
export const partInput = z.union([
  z.object({ text: z.string().min(1, "Text must not be empty.").max(10_000) }).strict(),
  z
    .object({
      attachment: z
        .object({
          url: z.url().max(2048),
          mime_type: z.string().min(1).max(255),
          file_name: z.string().min(1).max(255),
        })
        .strict(),
    })
    .strict(),
]);
export type PartInput = z.infer<typeof partInput>;

export const partsInput = z.array(partInput).min(1, "A message needs at least one part.").max(20);

export const sendMessageBody = z.object({ parts: partsInput }).strict();
