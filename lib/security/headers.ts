/**
 * The security headers of every response, pages and API answers alike, built in one place
 * and applied by proxy.ts.
 *
 * Pages get a nonce-based Content-Security-Policy: only scripts carrying this response's
 * nonce (Next.js puts it on its own scripts) and what they load may run, so injected markup
 * cannot run script. Styles allow inline attributes (React renders `style=` on the server);
 * images may come from https (message attachments and stickers live on other hosts). Nothing
 * may frame a page, so no other site can trick an operator into clicking inside one.
 */
export interface HeaderOptions {
  /** A fresh random value per page response; omitted for API answers and files. */
  nonce?: string;
  /** TAPDESK_SECURE_COOKIES=1: served over HTTPS, so HSTS and upgrade-insecure-requests. */
  secure: boolean;
}

export function contentSecurityPolicy({ nonce, secure }: HeaderOptions): string {
  if (!nonce) return "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob: https:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    ...(secure ? ["upgrade-insecure-requests"] : []),
  ].join("; ");
}

/** The nonce of a page request, from the CSP proxy.ts forwards with it (where Next.js reads it too). */
export function requestNonce(headers: Headers): string | undefined {
  return headers.get("content-security-policy")?.match(/'nonce-([A-Za-z0-9+/=]+)'/)?.[1];
}

export function securityHeaders(options: HeaderOptions): Record<string, string> {
  return {
    "Content-Security-Policy": contentSecurityPolicy(options),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    ...(options.secure ? { "Strict-Transport-Security": "max-age=63072000; includeSubDomains" } : {}),
  };
}
