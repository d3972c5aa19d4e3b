import { describe, expect, it } from "vitest";
import { contentSecurityPolicy, securityHeaders } from "@/lib/security/headers";

describe("security headers", () => {
  it("pages: scripts only with this response's nonce, never framed", () => {
    const csp = contentSecurityPolicy({ nonce: "abc123", secure: false });
    expect(csp).toContain("script-src 'self' 'nonce-abc123' 'strict-dynamic'");
    expect(csp).not.toMatch(/script-src[^;]*'unsafe-inline'/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
  });

  it("API answers and files: a policy that allows nothing", () => {
    expect(contentSecurityPolicy({ secure: false })).toBe(
      "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    );
  });

  it("always sends the framing, sniffing and referrer headers; HSTS only behind HTTPS", () => {
    const plain = securityHeaders({ secure: false });
    expect(plain).toMatchObject({
      "X-Frame-Options": "DENY",
      "X-Content-Type-Options": "nosniff",
      "Referrer-Policy": "strict-origin-when-cross-origin",
    });
    expect(plain["Strict-Transport-Security"]).toBeUndefined();
    const secure = securityHeaders({ secure: true, nonce: "n" });
    expect(secure["Strict-Transport-Security"]).toMatch(/^max-age=\d{8,}/);
    expect(secure["Content-Security-Policy"]).toContain("upgrade-insecure-requests");
  });
});
