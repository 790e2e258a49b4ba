import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import proxyaddr from 'proxy-addr';

/** Whether the peer at `hop` (0: the TCP peer) is a proxy allowed to name the client before it. */
export type TrustProxy = (address: string, hop: number) => boolean;

/** The key a request's client is counted under by every per-address limit. */
export type ClientAddress = (req: IncomingMessage) => string;

const KEYWORDS = new Set(['loopback', 'linklocal', 'uniquelocal']);

/**
 * TRUST_PROXY's entries (addresses, CIDR ranges, Express's keywords) as proxy-addr's trust function: the
 * very one Express gets as `trust proxy`, so `req.ip` and the socket layer name the same client. Throws
 * a TypeError naming the entry that is none of these (a bare number, which Express reads as a hop count,
 * is refused rather than taken for an IPv4 address).
 */
export function compileTrustProxy(entries: readonly string[]): TrustProxy {
  for (const entry of entries) {
    if (!KEYWORDS.has(entry) && isIP(entry.split('/')[0] ?? '') === 0) {
      throw new TypeError(`"${entry}" is not an address, a CIDR range or one of loopback, linklocal, uniquelocal`);
    }
  }
  try {
    return proxyaddr.compile([...entries]);
  } catch (err) {
    throw new TypeError(`${(err as Error).message} (${entries.join(', ')})`);
  }
}

/**
 * The client's address as Express computes `req.ip` (proxy-addr: walk X-Forwarded-For from the end while
 * the hop is trusted), as its limit key. Anyone else's X-Forwarded-For is ignored, so a client cannot pick
 * its own key. A request whose peer is gone (socket already closed) is "unknown".
 */
export function createClientAddress(trust: TrustProxy): ClientAddress {
  return (req) => addressKey(proxyaddr(req, trust) ?? 'unknown');
}

/**
 * IPv4 as it is, IPv4-mapped IPv6 as IPv4, other IPv6 as its /64: one home or office network gets one
 * IPv6 /64 and may use any of its 2^64 addresses, so a per-address limit keyed by the whole address would
 * be no limit. Anything that is not an address (what a trusted proxy wrote) stays as it is.
 */
export function addressKey(address: string): string {
  if (isIP(address) !== 6) return address;
  const ip = ipaddr.IPv6.parse(address);
  if (ip.isIPv4MappedAddress()) return ip.toIPv4Address().toString();
  return `${ip.parts
    .slice(0, 4)
    .map((part) => part.toString(16))
    .join(':')}::/64`;
}
