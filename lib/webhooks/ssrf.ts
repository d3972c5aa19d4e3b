import { lookup } from "node:dns/promises";
import ipaddr from "ipaddr.js";

/**
 * The SSRF guard (docs/webhooks.md): a webhook URL may only reach the public internet. Checked when
 * an endpoint is created or changed, and again right before every delivery, because what a
 * hostname resolves to can change in between. Every outbound request (webhooks, bridge calls,
 * reconciliation, attachment downloads) then connects to the address that was checked, so a
 * second lookup cannot slip a private address in (DNS rebinding).
 */

/** Every address a hostname resolves to (A and AAAA). Injectable so tests need no DNS. */
export type Resolver = (hostname: string) => Promise<string[]>;

export const systemResolver: Resolver = async (hostname) =>
  (await lookup(hostname, { all: true, verbatim: true })).map((r) => r.address);

/**
 * Development and tests only: lets webhook endpoints and bridges live on localhost and private
 * networks. TAPDESK_WEBHOOKS_ALLOW_PRIVATE is the older name of the same switch.
 */
export function privateAddressesAllowed(): boolean {
  return process.env.TAPDESK_ALLOW_PRIVATE_URLS === "1" || process.env.TAPDESK_WEBHOOKS_ALLOW_PRIVATE === "1";
}

/** Link-local addresses hold cloud metadata services (169.254.169.254): refused even when private ones are allowed. */
function isLinkLocal(address: string): boolean {
  try {
    return ipaddr.process(address).range() === "linkLocal";
  } catch {
    return false;
  }
}

export class WebhookUrlError extends Error {}

/** How a self-hoster testing against this machine gets past the guard (not said where even that switch refuses: link-local and non-global IPv6). */
const ALLOW_HINT =
  " (to allow private and loopback addresses while testing locally, start Tapdesk with TAPDESK_ALLOW_PRIVATE_URLS=1)";

const MAX_URL_LENGTH = 2048;

/** The shape rules that need no DNS: an absolute http(s) URL without credentials. */
export function parseWebhookUrl(raw: string): URL {
  if (raw.length > MAX_URL_LENGTH)
    throw new WebhookUrlError(`Webhook URLs are limited to ${MAX_URL_LENGTH} characters.`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new WebhookUrlError("The webhook URL is not an absolute URL such as https://example.com/webhooks.");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new WebhookUrlError(`Webhook URLs must use http or https, not ${url.protocol.replace(/:$/, "")}.`);
  }
  if (url.username || url.password) {
    throw new WebhookUrlError("Webhook URLs may not contain a user name or password.");
  }
  if (!url.hostname) throw new WebhookUrlError("The webhook URL has no host.");
  return url;
}

/** The special-purpose range an address falls in, or null for ordinary public unicast. */
export function blockedRange(address: string): string | null {
  let ip: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    // process() turns IPv4-mapped IPv6 (::ffff:10.0.0.1) into the IPv4 address it carries.
    ip = ipaddr.process(address);
  } catch {
    return "unparseable";
  }
  const range = ip.range();
  // Only plain unicast passes: private, loopback, link-local (169.254.169.254 included),
  // unique-local (fd00:ec2::254 included), CGNAT, multicast, unspecified, reserved, and the
  // IPv6 ranges that embed an IPv4 address (6to4, Teredo, NAT64) are all refused.
  if (range !== "unicast") return range;
  // ipaddr.js calls whatever it has no name for "unicast" (::127.0.0.1, the deprecated
  // IPv4-compatible form, included): IPv6 must be global unicast, 2000::/3, to pass.
  if (ip.kind() === "ipv6" && !isGlobalUnicast6(ip as ipaddr.IPv6)) return "reserved";
  return null;
}

function isGlobalUnicast6(ip: ipaddr.IPv6): boolean {
  return ip.match(ipaddr.IPv6.parse("2000::"), 3);
}

/**
 * With private addresses allowed (development, tests): loopback, private and unique-local
 * ranges pass too; link-local (cloud metadata) never, nor IPv6 outside global unicast,
 * loopback and unique-local (::127.0.0.1, ::, NAT64 and the like reach places they do not name).
 */
function refusedEvenIfPrivate(address: string): boolean {
  let ip: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    ip = ipaddr.process(address);
  } catch {
    return true;
  }
  const range = ip.range();
  if (range === "linkLocal") return true;
  if (ip.kind() === "ipv4") return false;
  if (range === "loopback" || range === "uniqueLocal") return false;
  return !(range === "unicast" && isGlobalUnicast6(ip as ipaddr.IPv6));
}

function bareHost(url: URL): string {
  return url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
}

export interface Destination {
  address: string;
  family: 4 | 6;
}

/**
 * Resolves the URL's host once and refuses it unless every address is public (or, with
 * private addresses allowed, none is link-local). Returns the address to connect to: callers
 * connect there and nowhere else (lib/webhooks/pinned-fetch.ts), so a second lookup cannot
 * slip another address in, in either mode.
 */
export async function checkDestination(
  url: URL,
  options: { resolver?: Resolver; allowPrivate?: boolean; subject?: string } = {},
): Promise<Destination> {
  const host = bareHost(url);
  let addresses: string[];
  if (ipaddr.isValid(host)) {
    addresses = [host];
  } else {
    try {
      addresses = await (options.resolver ?? systemResolver)(host);
    } catch {
      throw new WebhookUrlError(`The host ${host} could not be resolved.`);
    }
    if (addresses.length === 0) throw new WebhookUrlError(`The host ${host} could not be resolved.`);
  }
  if (options.allowPrivate ?? privateAddressesAllowed()) {
    const refused = addresses.find(refusedEvenIfPrivate);
    if (refused) {
      const which = refused === host ? host : `${host} resolves to ${refused}, which`;
      throw new WebhookUrlError(
        isLinkLocal(refused)
          ? `${which} is a link-local address, never allowed.`
          : `${which} is not a global unicast IPv6 address, never allowed.`,
      );
    }
  } else {
    for (const address of addresses) {
      const range = blockedRange(address);
      if (range) {
        const which = address === host ? address : `${host} resolves to ${address}, which`;
        throw new WebhookUrlError(
          `${which} is a ${rangeName(range)} address; ${options.subject ?? "webhook endpoints"} must be reachable on the public internet${refusedEvenIfPrivate(address) ? "" : ALLOW_HINT}.`,
        );
      }
    }
  }
  const address = addresses[0]!;
  return { address, family: ipaddr.parse(address).kind() === "ipv6" ? 6 : 4 };
}

function rangeName(range: string): string {
  switch (range) {
    case "private":
    case "uniqueLocal":
      return "private";
    case "loopback":
      return "loopback";
    case "linkLocal":
      return "link-local";
    case "carrierGradeNat":
      return "carrier-grade NAT";
    case "unspecified":
      return "unspecified";
    case "multicast":
    case "broadcast":
      return "multicast or broadcast";
    default:
      return "non-public";
  }
}
