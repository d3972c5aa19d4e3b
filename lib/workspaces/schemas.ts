import * as z from "../zod";

/** `npm run workspace -- create`: the same schema for the command, the server route and the service. */
export const createWorkspaceBody = z
  .object({
    name: z.string().trim().min(1, "A name is required.").max(100),
    owner: z
      .email("Must be an email address.")
      .max(320)
      .transform((v) => v.toLowerCase()),
  })
  .strict();
export type CreateWorkspaceBody = z.infer<typeof createWorkspaceBody>;

export interface WorkspaceSummary {
  id: string;
  name: string;
  created_at: string;
  owners: string[];
  operators: number;
  agents: number;
}

export interface CreatedWorkspace {
  workspace: { id: string; name: string; created_at: string };
  owner: { email: string; password: string };
  /** The workspace-wide API key, shown this once. */
  api_key: string;
}
