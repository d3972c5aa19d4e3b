import { afterEach, describe, expect, it } from "vitest";
import {
  blockedRange,
  checkDestination,
  parseWebhookUrl,
  privateAddressesAllowed,
  type Resolver,
  systemResolver,
  WebhookUrlError,
} from "@/lib/webhooks/ssrf";

/**
 * The SSRF guard's rules one by one, with a fake resolver (no DNS, no network): what each
 * refusal says, the switch that allows private addresses and what it still refuses, and the
 * address a delivery is pinned to. Fast enough for `npm run mutate` (tests/webhooks-ssrf.test.ts
 * has the guard in the service and the worker).
 *
 * Mutants of lib/webhooks/ssrf.ts no test here kills, and why: `url.protocol.replace(/:$/, "")`
 * → `replace(/:/, "")` and `if (!url.hostname)` → `if (false)` are equivalent (a parsed
 * protocol has one colon, at its end; an http(s) URL without a host does not parse). The system
 * resolver's `verbatim: true` → `false` (IPv4 first) depends on the machine's hosts file.
 */

const dns =
  (table: Record<string, string[]>): Resolver =>
  async (host) => {
    const found = table[host];
    if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" });
    return found;
  };
const resolver = dns({
  "ten.example": ["10.0.0.1"],
  "v4.example": ["93.184.216.34", "2606:4700:4700::1111"],
  "v6.example": ["2606:4700:4700::1111"],
  "meta.example": ["169.254.169.254"],
  "empty.example": [],
});
const check = (url: string, allowPrivate = false) => checkDestination(new URL(url), { resolver, allowPrivate });
const refusal = async (url: string, allowPrivate = false) => {
  const error = await check(url, allowPrivate).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WebhookUrlError);
  return (error as Error).message;
};

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

describe("parseWebhookUrl", () => {
  it("takes an absolute http or https URL and gives it back parsed", () => {
    expect(parseWebhookUrl("https://example.com/hooks?x=1").href).toBe("https://example.com/hooks?x=1");
    expect(parseWebhookUrl("http://example.com").hostname).toBe("example.com");
  });

  it("refuses URLs over 2048 characters, with the limit, and takes one of exactly 2048", () => {
    const base = "https://example.com/";
    const exact = base + "a".repeat(2048 - base.length);
    expect(parseWebhookUrl(exact).href).toBe(exact);
    expect(() => parseWebhookUrl(`${exact}a`)).toThrow(
      new WebhookUrlError("Webhook URLs are limited to 2048 characters."),
    );
  });

  it("says why each other URL is refused", () => {
    const said = (raw: string) => {
      try {
        parseWebhookUrl(raw);
      } catch (error) {
        expect(error).toBeInstanceOf(WebhookUrlError);
        return (error as Error).message;
      }
      throw new Error(`${raw} was accepted`);
    };
    expect(said("not a url")).toBe("The webhook URL is not an absolute URL such as https://example.com/webhooks.");
    expect(said("ftp://example.com/")).toBe("Webhook URLs must use http or https, not ftp.");
    expect(said("https://user@example.com/")).toBe("Webhook URLs may not contain a user name or password.");
    expect(said("https://:pw@example.com/")).toBe("Webhook URLs may not contain a user name or password.");
    // A URL object with an empty host: only non-special schemes have one, and those are refused
    // first; file:/// has no host but is refused for its scheme.
    expect(said("file:///etc/passwd")).toBe("Webhook URLs must use http or https, not file.");
  });
});

describe("the system resolver", () => {
  // Equivalent mutants kept (mutation testing): `verbatim: false` only reorders the addresses,
  // and every one of them is checked; in parseWebhookUrl, /:$/ → /:/ strips the same colon (a
  // protocol has exactly one, at its end), and the "no host" refusal cannot be reached by an
  // http(s) URL (WHATWG URL parsing refuses an empty host for them), so removing it changes nothing.
  it("resolves every address of a name (localhost: loopback only, from the hosts file)", async () => {
    const addresses = await systemResolver("localhost");
    expect(addresses.length).toBeGreaterThan(0);
    for (const address of addresses) expect(blockedRange(address)).toBe("loopback");
  });
});

describe("blockedRange", () => {
  it("names the range of anything but public unicast, and null for public unicast", () => {
    expect(blockedRange("93.184.216.34")).toBeNull();
    expect(blockedRange("2606:4700:4700::1111")).toBeNull();
    expect(blockedRange("10.0.0.1")).toBe("private");
    expect(blockedRange("::ffff:127.0.0.1")).toBe("loopback");
    expect(blockedRange("not-an-address")).toBe("unparseable");
  });
});

describe("checkDestination", () => {
  it("pins a public address: the first one resolved, with its family", async () => {
    expect(await check("https://v4.example/h")).toEqual({ address: "93.184.216.34", family: 4 });
    expect(await check("https://v6.example/h")).toEqual({ address: "2606:4700:4700::1111", family: 6 });
    expect(await check("https://93.184.216.34/h")).toEqual({ address: "93.184.216.34", family: 4 });
    expect(await check("https://[2606:4700:4700::1111]/h")).toEqual({ address: "2606:4700:4700::1111", family: 6 });
  });

  it("names the address and its kind in every refusal", async () => {
    expect(await refusal("http://10.0.0.1/")).toMatch(/^10\.0\.0\.1 is a private address; webhook endpoints must be/);
    expect(await refusal("http://ten.example/")).toMatch(
      /^ten\.example resolves to 10\.0\.0\.1, which is a private address; webhook endpoints must be reachable on the public internet/,
    );
    const kinds: Array<[string, string]> = [
      ["http://[fd00::1]/", "private"],
      ["http://127.0.0.1/", "loopback"],
      ["http://169.254.1.1/", "link-local"],
      ["http://100.64.0.1/", "carrier-grade NAT"],
      ["http://0.0.0.0/", "unspecified"],
      ["http://224.0.0.1/", "multicast or broadcast"],
      ["http://255.255.255.255/", "multicast or broadcast"],
      ["http://[2002:a00:1::]/", "non-public"],
    ];
    for (const [url, kind] of kinds) {
      const host = new URL(url).hostname.replace(/^\[|\]$/g, "");
      expect(await refusal(url), url).toMatch(new RegExp(`^${host.replace(/\./g, "\\.")} is a ${kind} address;`));
    }
  });

  it("says how to allow private addresses for testing, where that switch would let the address through", async () => {
    const hint =
      " (to allow private and loopback addresses while testing locally, start Tapdesk with TAPDESK_ALLOW_PRIVATE_URLS=1).";
    expect(await refusal("http://127.0.0.1/")).toBe(
      `127.0.0.1 is a loopback address; webhook endpoints must be reachable on the public internet${hint}`,
    );
    expect(await refusal("http://169.254.169.254/")).toBe(
      "169.254.169.254 is a link-local address; webhook endpoints must be reachable on the public internet.",
    );
    const bridge = await checkDestination(new URL("http://10.0.0.1/"), { resolver, subject: "bridges" }).catch(
      (e: Error) => e.message,
    );
    expect(bridge).toBe(`10.0.0.1 is a private address; bridges must be reachable on the public internet${hint}`);
  });

  it("calls IPv6 outside global unicast reserved, whatever ipaddr.js names it", () => {
    expect(blockedRange("4000::1")).toBe("reserved");
    expect(blockedRange("1::1")).toBe("reserved");
    // How a URL writes ::127.0.0.1, the deprecated IPv4-compatible form.
    expect(blockedRange("::7f00:1")).toBe("reserved");
  });

  it("refuses a host that does not resolve, or resolves to nothing", async () => {
    expect(await refusal("https://nowhere.example/")).toBe("The host nowhere.example could not be resolved.");
    expect(await refusal("https://empty.example/")).toBe("The host empty.example could not be resolved.");
  });

  describe("with private addresses allowed", () => {
    it("lets private and loopback through, pinned to the address checked; a name must still resolve", async () => {
      expect(await check("http://10.0.0.1/", true)).toEqual({ address: "10.0.0.1", family: 4 });
      expect(await check("http://ten.example/", true)).toEqual({ address: "10.0.0.1", family: 4 });
      expect(await refusal("http://nowhere.example/", true)).toBe("The host nowhere.example could not be resolved.");
    });

    it("refuses a resolver's answer that is no address at all", async () => {
      const junk = async () => ["not-an-address"];
      await expect(
        checkDestination(new URL("http://junk.example/"), { resolver: junk, allowPrivate: true }),
      ).rejects.toThrow(/^junk\.example resolves to not-an-address, which .* never allowed\.$/);
    });

    it("still refuses link-local, named as a literal or behind a hostname", async () => {
      expect(await refusal("http://169.254.169.254/", true)).toBe(
        "169.254.169.254 is a link-local address, never allowed.",
      );
      expect(await refusal("http://meta.example/", true)).toBe(
        "meta.example resolves to 169.254.169.254, which is a link-local address, never allowed.",
      );
      expect(await refusal("http://[fe80::1]/", true)).toBe("fe80::1 is a link-local address, never allowed.");
    });

    it("lets IPv6 loopback, unique-local and global unicast through, and no other IPv6", async () => {
      expect(await check("http://[::1]/", true)).toEqual({ address: "::1", family: 6 });
      expect(await check("http://[fd00::1]/", true)).toEqual({ address: "fd00::1", family: 6 });
      expect(await check("http://[2606:4700:4700::1111]/", true)).toEqual({
        address: "2606:4700:4700::1111",
        family: 6,
      });
      expect(await check("http://127.0.0.1/", true)).toEqual({ address: "127.0.0.1", family: 4 });
      for (const host of ["::7f00:1", "::", "64:ff9b::a00:1", "2002:a00:1::", "ff02::1", "4000::1"]) {
        expect(await refusal(`http://[${host}]/`, true), host).toBe(
          `${host} is not a global unicast IPv6 address, never allowed.`,
        );
      }
      // A resolver's junk is not called link-local (only a parsed address can be).
      const junk = async () => ["not-an-address"];
      await expect(
        checkDestination(new URL("http://junk.example/"), { resolver: junk, allowPrivate: true }),
      ).rejects.toThrow(
        /^junk\.example resolves to not-an-address, which is not a global unicast IPv6 address, never allowed\.$/,
      );
    });

    it("follows the environment when not told: either switch name, and only the value 1", async () => {
      delete process.env.TAPDESK_ALLOW_PRIVATE_URLS;
      delete process.env.TAPDESK_WEBHOOKS_ALLOW_PRIVATE;
      expect(privateAddressesAllowed()).toBe(false);
      expect(
        await checkDestination(new URL("http://ten.example/"), { resolver }).catch((e: Error) => e.message),
      ).toMatch(/private address/);
      process.env.TAPDESK_ALLOW_PRIVATE_URLS = "true";
      expect(privateAddressesAllowed()).toBe(false);
      process.env.TAPDESK_ALLOW_PRIVATE_URLS = "1";
      expect(privateAddressesAllowed()).toBe(true);
      expect(await checkDestination(new URL("http://ten.example/"), { resolver })).toEqual({
        address: "10.0.0.1",
        family: 4,
      });
      delete process.env.TAPDESK_ALLOW_PRIVATE_URLS;
      process.env.TAPDESK_WEBHOOKS_ALLOW_PRIVATE = "1";
      expect(privateAddressesAllowed()).toBe(true);
      process.env.TAPDESK_WEBHOOKS_ALLOW_PRIVATE = "0";
      expect(privateAddressesAllowed()).toBe(false);
    });
  });
});
