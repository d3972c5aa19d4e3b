import * as z from "../zod";

export const createApiKeyBody = z
  .object({
    name: z.string().trim().min(1, "A name is required.").max(100).meta({ example: "Support bot" }),
    agent_id: z
      .guid()
      .nullish()
      .meta({ description: "Restrict the key to this agent's conversations; omit for a workspace-wide key." }),
  })
  .strict();
export type CreateApiKeyBody = z.infer<typeof createApiKeyBody>;

export const apiKeySchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    agent_id: z.uuid().nullable().meta({ description: "null: workspace-wide." }),
    prefix: z.string().meta({ description: "The key's first characters, to tell keys apart." }),
    created_at: z.iso.datetime(),
  })
  .strict();
export type ApiKeyObject = z.infer<typeof apiKeySchema>;

export const createdApiKeySchema = apiKeySchema
  .extend({ key: z.string().meta({ description: "The secret: shown in this response only; store it now." }) })
  .strict();

export const apiKeyListSchema = z.object({ data: z.array(apiKeySchema) }).strict();
