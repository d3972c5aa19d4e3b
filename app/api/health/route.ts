import { checkHealth } from "@/lib/health";

// Answers live, never from a build-time render.
export const dynamic = "force-dynamic";

/** For load balancers: 200 while the app and its database answer, 503 naming what fails. No auth. */
export async function GET() {
  const health = await checkHealth();
  return Response.json(health, {
    status: health.status === "ok" ? 200 : 503,
    headers: { "Cache-Control": "no-store" },
  });
}
