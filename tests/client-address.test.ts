import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain ES module of the start script, without types.
import { clientAddressOf, parseTrustedProxies } from "../scripts/client-address.mjs";

/**
 * Which address the throttles count (scripts/start.mjs sets it on every request). Behind a CDN
 * in front of a load balancer, the last X-Forwarded-For entry is the CDN's: trusting only that
 * one put every client in one bucket, so one attacker's wrong keys locked every API client out.
 */
const proxies = (value: string) => parseTrustedProxies({ TAPDESK_TRUSTED_PROXIES: value });

describe("the client address behind proxies", () => {
  // The load balancer connects (10.0.0.5); the CDN (173.245.48.9) appended the client it saw.
  const cdnThenLb = "198.51.100.23, 173.245.48.9";

  it("without trusted proxies, is the connection's address whatever X-Forwarded-For says", () => {
    expect(clientAddressOf("10.0.0.5", "203.0.113.1", parseTrustedProxies({}))).toBe("10.0.0.5");
    expect(clientAddressOf("::ffff:10.0.0.5", undefined, null)).toBe("10.0.0.5");
  });

  it("with a hop count, takes the entry that many proxies in: each client gets its own address", () => {
    expect(clientAddressOf("10.0.0.5", cdnThenLb, proxies("2"))).toBe("198.51.100.23");
    expect(clientAddressOf("10.0.0.5", "192.0.2.200, 173.245.48.9", proxies("2"))).toBe("192.0.2.200");
    // A client's own X-Forwarded-For entries sit further left and are never reached.
    expect(clientAddressOf("10.0.0.5", `1.2.3.4, ${cdnThenLb}`, proxies("2"))).toBe("198.51.100.23");
    // The older switch is one hop: the last entry.
    expect(clientAddressOf("10.0.0.5", cdnThenLb, parseTrustedProxies({ TAPDESK_TRUST_PROXY: "1" }))).toBe(
      "173.245.48.9",
    );
  });

  it("with CIDR ranges, takes the nearest entry that is not a trusted proxy", () => {
    const trusted = proxies("10.0.0.0/8, 173.245.48.0/20");
    expect(clientAddressOf("10.0.0.5", cdnThenLb, trusted)).toBe("198.51.100.23");
    expect(clientAddressOf("10.0.0.5", `6.6.6.6, ${cdnThenLb}`, trusted)).toBe("198.51.100.23");
    // A connection from outside the trusted ranges is the client, whatever it claims.
    expect(clientAddressOf("203.0.113.9", cdnThenLb, trusted)).toBe("203.0.113.9");
    expect(clientAddressOf("10.0.0.5", "2001:db8::1, 10.1.1.1", proxies("10.0.0.0/8"))).toBe("2001:db8::1");
  });

  it("refuses a value it cannot read, in a sentence", () => {
    expect(() => proxies("cdn.example.com")).toThrow(/hop count or a list of addresses and CIDR ranges/);
    expect(() => proxies("0")).toThrow(/between 1 and 20/);
  });
});
