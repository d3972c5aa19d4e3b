import { checkHealth, healthAnswer } from "@/lib/health";

// Answers live, never from a build-time render.
export const dynamic = "force-dynamic";

/** For load balancers: 200 while the app and its database answer, 503 naming what fails. No auth. */
export async function GET() {
  const { status, headers, body } = healthAnswer(await checkHealth());
  return new Response(body, { status, headers });
}
