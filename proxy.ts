import { type NextRequest, NextResponse } from "next/server";
import { decodable } from "./lib/api/path";
import { contentSecurityPolicy, securityHeaders } from "./lib/security/headers";

/**
 * Every request passes here: the security headers go on every response. A page request gets
 * a fresh CSP nonce, passed on in the request's own Content-Security-Policy header, where
 * Next.js reads it to put the nonce on the scripts it renders.
 */
export function proxy(request: NextRequest) {
  const secure = process.env.TAPDESK_SECURE_COOKIES === "1";
  const { pathname } = request.nextUrl;
  const page = !pathname.startsWith("/api/") && !pathname.startsWith("/_next/");
  const options = { secure, nonce: page ? btoa(crypto.randomUUID()) : undefined };
  const forwarded = new Headers(request.headers);
  if (page) forwarded.set("Content-Security-Policy", contentSecurityPolicy(options));
  const headers = securityHeaders(options);
  // A path with a broken percent-escape (`/messages/%ff`) names nothing; the router would fail
  // decoding it with a 500.
  if (!decodable(pathname)) {
    const api = pathname.startsWith("/api/");
    const body = api
      ? JSON.stringify({
          type: "https://tapdesk.dev/problems/not-found",
          title: "Not found",
          status: 404,
          detail: "The path is not valid percent-encoded UTF-8, so it names nothing.",
          code: "not_found",
        })
      : "Not found: the address is not valid percent-encoded UTF-8.";
    return new NextResponse(body, {
      status: 404,
      headers: { ...headers, "Content-Type": api ? "application/problem+json" : "text/plain; charset=utf-8" },
    });
  }
  const response = NextResponse.next({ request: { headers: forwarded } });
  for (const [name, value] of Object.entries(headers)) response.headers.set(name, value);
  return response;
}
