import { errorResponse, parseQuery, problem } from "@/lib/api/http";
import { currentOperator } from "@/lib/auth/session";
import { getDatabase } from "@/lib/db/client";
import { exportQuery, labelParam } from "@/lib/feedback/schemas";
import * as z from "@/lib/zod";

/** The page's queue may show two labels at once (👎 and ❓): `labels=negative,confused`. */
const uiExportQuery = exportQuery.extend({
  labels: z
    .string()
    .max(100)
    .optional()
    .transform((v, ctx) => {
      if (v === undefined) return undefined;
      const parsed = z.array(labelParam).min(1).safeParse(v.split(","));
      if (!parsed.success) {
        ctx.addIssue({ code: "custom", message: "A comma-separated list of labels." });
        return z.NEVER;
      }
      return parsed.data;
    }),
});

import { exportFeedback } from "@/lib/feedback/service";

/** The Feedback page's "Export": the same NDJSON as GET /api/v1/feedback/export, for a signed-in operator. */
export async function GET(request: Request) {
  try {
    const operator = await currentOperator();
    if (!operator) return problem("unauthorized");
    const query = parseQuery(uiExportQuery, request);
    const database = await getDatabase();
    const body = await exportFeedback(database.prisma, operator.scope, query);
    return new Response(body, {
      headers: {
        "content-type": "application/x-ndjson; charset=utf-8",
        "content-disposition": 'attachment; filename="feedback.ndjson"',
        "cache-control": "no-store",
      },
    });
  } catch (error) {
    return errorResponse(error);
  }
}
