// The client's address, for throttling (lib/auth/throttle.ts). Used by scripts/start.mjs, which
// sets it on every request from the connection; a client cannot choose it.
import ipaddr from "ipaddr.js";

/**
 * Which X-Forwarded-For entries to believe. TAPDESK_TRUSTED_PROXIES is either a hop count (the
 * number of proxies in front of Tapdesk, each appending the address it saw: `2` for a CDN in
 * front of a load balancer) or a comma-separated list of addresses and CIDR ranges of those
 * proxies (`10.0.0.0/8, 173.245.48.0/20`). TAPDESK_TRUST_PROXY=1 (the older switch) means one hop.
 * Returns null when no proxy is trusted; throws a sentence for a value it cannot read.
 */
export function parseTrustedProxies(env = process.env) {
  const raw = (env.TAPDESK_TRUSTED_PROXIES ?? "").trim();
  if (!raw) return env.TAPDESK_TRUST_PROXY === "1" ? { hops: 1 } : null;
  if (/^\d+$/.test(raw)) {
    const hops = Number(raw);
    if (hops < 1 || hops > 20) throw new Error("TAPDESK_TRUSTED_PROXIES as a hop count must be between 1 and 20.");
    return { hops };
  }
  const ranges = raw
    .split(",")
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      try {
        return entry.includes("/") ? ipaddr.parseCIDR(entry) : cidrOf(ipaddr.parse(entry));
      } catch {
        throw new Error(
          `TAPDESK_TRUSTED_PROXIES must be a hop count or a list of addresses and CIDR ranges; "${entry}" is neither.`,
        );
      }
    });
  return { ranges };
}

function cidrOf(address) {
  return [address, address.kind() === "ipv4" ? 32 : 128];
}

/** An address as one form: IPv4-mapped IPv6 (::ffff:10.0.0.1) as the IPv4 address it carries. */
function normal(address) {
  try {
    return ipaddr.process(address.trim()).toString();
  } catch {
    return null;
  }
}

function trusted(address, ranges) {
  const ip = ipaddr.process(address);
  return ranges.some(([range, bits]) => ip.kind() === range.kind() && ip.match(range, bits));
}

/**
 * The client's address: the connection's, or behind trusted proxies the X-Forwarded-For entry
 * the nearest untrusted hop reported. Entries a client wrote itself sit to the left of those
 * the proxies appended, so they are never reached while the count or the ranges are right.
 */
export function clientAddressOf(remoteAddress, forwardedFor, proxies) {
  const socket = normal(remoteAddress ?? "") ?? "unknown";
  if (!proxies) return socket;
  const chain = [
    ...String(forwardedFor ?? "")
      .split(",")
      .map((entry) => normal(entry))
      .filter(Boolean),
    socket,
  ];
  if (proxies.hops) return chain[Math.max(0, chain.length - 1 - proxies.hops)];
  for (let i = chain.length - 1; i >= 0; i--) {
    if (chain[i] === "unknown" || !trusted(chain[i], proxies.ranges)) return chain[i];
  }
  return chain[0];
}
