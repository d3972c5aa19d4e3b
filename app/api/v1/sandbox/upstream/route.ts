import { json, otherMethods, parseBody, readJson } from "@/lib/api/http";
import { sandboxApi } from "@/lib/api/sandbox";
import { getUpstreamMode, setUpstreamMode, upstreamModeBody } from "@/lib/sandbox";

export const GET = sandboxApi(async ({ db, caller }) => json({ mode: await getUpstreamMode(db, caller) }));

export const PUT = sandboxApi(async ({ db, caller, request }) => {
  const { mode } = parseBody(upstreamModeBody, await readJson(request));
  return json(await setUpstreamMode(db, caller, mode));
});

export const { POST, PATCH, DELETE } = otherMethods("GET, PUT");
