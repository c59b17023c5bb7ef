import { BlockList, isIP } from 'node:net';

/** What every request shape we see (Express, a graphql-ws upgrade request) carries. */
export interface AddressedRequest {
  socket?: { remoteAddress?: string } | null;
  headers: Record<string, string | string[] | undefined>;
}

/** The address a request came from, as the rate limits count it. */
export type ClientAddressOf = (req: AddressedRequest) => string;

/**
 * Builds the list of TRUSTED_PROXIES: IPv4/IPv6 addresses or CIDRs (`10.0.0.0/8`, `fd00::/8`,
 * `127.0.0.1`). Returns the entries that are not one, for the config error.
 */
export function parseTrustedProxies(entries: readonly string[]): { list: BlockList; invalid: string[] } {
  const list = new BlockList();
  const invalid: string[] = [];
  for (const entry of entries) {
    const [ip, prefix, ...rest] = entry.split('/');
    const family = isIP(ip ?? '');
    const max = family === 4 ? 32 : 128;
    const bits = prefix === undefined ? max : /^\d{1,3}$/.test(prefix) ? Number(prefix) : NaN;
    if (family === 0 || rest.length > 0 || !(bits >= 0 && bits <= max)) {
      invalid.push(entry);
      continue;
    }
    list.addSubnet(ip!, bits, family === 4 ? 'ipv4' : 'ipv6');
  }
  return { list, invalid };
}

/**
 * `::ffff:10.1.2.3` → `10.1.2.3`, so one client is one key whichever way the socket saw it;
 * capped in length (a hop a trusted proxy forwarded is a key, not a place to store text).
 */
export function normalizeAddress(address: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  return mapped ? mapped[1]! : address.toLowerCase().slice(0, 64);
}

function trusted(list: BlockList, address: string): boolean {
  const family = isIP(address);
  return family !== 0 && list.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/**
 * The client address of a request, as Express's `trust proxy` with a list of CIDRs computes
 * `req.ip` (proxy-addr): start at the socket peer; while that hop is a trusted proxy, step to
 * the next address to its left in X-Forwarded-For (the one that proxy saw). The first untrusted
 * hop is the client; if every hop is trusted, the leftmost one. Without trusted proxies (an
 * empty list) the socket address alone counts and X-Forwarded-For is ignored, so a client can
 * never choose its own key by sending the header.
 */
export function clientAddressResolver(trustedProxyEntries: readonly string[]): ClientAddressOf {
  const { list, invalid } = parseTrustedProxies(trustedProxyEntries);
  if (invalid.length > 0) throw new Error(`TRUSTED_PROXIES: not an address or CIDR: ${invalid.join(', ')}`);
  const trustedProxies = trustedProxyEntries.length > 0 ? list : undefined;
  return (req) => {
    const peer = normalizeAddress(req.socket?.remoteAddress ?? 'unknown');
    if (!trustedProxies || !trusted(trustedProxies, peer)) return peer;
    const header = req.headers['x-forwarded-for'];
    const hops = (Array.isArray(header) ? header.join(',') : (header ?? ''))
      .split(',')
      .map((h) => h.trim())
      .filter(Boolean);
    let address = peer;
    for (let i = hops.length - 1; i >= 0; i--) {
      address = normalizeAddress(hops[i]!);
      if (!trusted(trustedProxies, address)) return address;
    }
    return address;
  };
}
