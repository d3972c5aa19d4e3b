/**
 * The ids the reference's examples use (lib/api/openapi.ts and the operations' example bodies):
 * well-formed UUIDs, so the API reference's "Test Request" reaches the lookup and answers as a
 * real call with an id that names nothing would (404 with its code), not with a validation error.
 * Replace them with ids from your own workspace to get a 2xx.
 */
export const EXAMPLE_IDS = {
  message: "0f8e3c5a-6b2d-4e1f-9a7c-3d5b8e2f1a46",
  reaction: "7c2d9e41-3f8a-4b6c-8d1e-5a9f0b3c7e12",
  conversation: "b3a1f6d2-9c4e-4a7b-8e5f-1d2c3b4a5e6f",
  agent: "4e9d2c1b-7a6f-4d3e-9b8c-2f1e0a9d8c7b",
  apiKey: "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
  contactRule: "2d4f6a8c-1b3e-4c5d-9e7f-0a2b4c6d8e1f",
  webhookEndpoint: "5f1e2d3c-4b5a-4e6f-8a7b-9c0d1e2f3a4b",
  delivery: "8e7d6c5b-4a3f-4e2d-9c1b-0a9f8e7d6c5b",
  assignment: "c6b5a4f3-e2d1-4c0b-8a9f-8e7d6c5b4a39",
  attachment: "at_0_7D3A4E5F-2B1C-4D6E-8F9A-0B1C2D3E4F5A",
} as const;

/** The example for a path parameter, by the collection segment before it (`/reactions/{id}`: a reaction id). */
export function examplePathId(collection: string, name: string): string {
  if (name === "deliveryId") return EXAMPLE_IDS.delivery;
  if (name === "guid") return EXAMPLE_IDS.attachment;
  const byCollection: Record<string, string> = {
    messages: EXAMPLE_IDS.message,
    reactions: EXAMPLE_IDS.reaction,
    conversations: EXAMPLE_IDS.conversation,
    agents: EXAMPLE_IDS.agent,
    "api-keys": EXAMPLE_IDS.apiKey,
    "contact-rules": EXAMPLE_IDS.contactRule,
    "webhook-endpoints": EXAMPLE_IDS.webhookEndpoint,
    assignments: EXAMPLE_IDS.assignment,
  };
  const id = byCollection[collection];
  if (!id) throw new Error(`No example id for {${name}} after /${collection}: add one to lib/api/examples.ts`);
  return id;
}
