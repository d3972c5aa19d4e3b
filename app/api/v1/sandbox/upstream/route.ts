import { api, json, otherMethods, parseBody, readJson } from "@/lib/api/http";
import { getUpstreamMode, setUpstreamMode, upstreamModeBody } from "@/lib/sandbox";

export const GET = api(async ({ db, caller }) => json(await getUpstreamMode(db, caller)));

export const PUT = api(async ({ db, caller, request }) => {
  const body = parseBody(upstreamModeBody, await readJson(request));
  return json(await setUpstreamMode(db, caller, body));
});

export const { POST, PATCH, DELETE } = otherMethods("GET, PUT");
