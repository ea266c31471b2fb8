/**
 * Parsers for the scalar values a topology file is made of: addresses, prefixes, bandwidths,
 * percentages. Each returns the value or a message a student can act on, never throws.
 */

/** A parse result: the value, or why the text is not one. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

const good = <T>(value: T): Parsed<T> => ({ ok: true, value });
const bad = <T>(error: string): Parsed<T> => ({ ok: false, error });

/** Parses a dotted quad into an unsigned 32-bit integer. Rejects leading zeros (`010` is octal to some tools). */
export function parseIpv4(text: string): Parsed<number> {
  const parts = text.split(".");
  if (parts.length !== 4) {
    return bad(`"${text}" is not an IPv4 address (expected four numbers like 10.0.0.1)`);
  }
  let n = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) {
      return bad(`"${text}" is not an IPv4 address ("${part}" is not a number from 0 to 255)`);
    }
    if (part.length > 1 && part.startsWith("0")) {
      return bad(`"${text}" is not an IPv4 address ("${part}" has a leading zero)`);
    }
    const octet = Number(part);
    if (octet > 255) return bad(`"${text}" is not an IPv4 address (${octet} is more than 255)`);
    n = n * 256 + octet;
  }
  return good(n);
}

/** Formats an unsigned 32-bit integer as a dotted quad. */
export function formatIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

/** The netmask of a prefix length as an unsigned 32-bit integer. */
export function prefixMask(prefixLength: number): number {
  return prefixLength === 0 ? 0 : (0xffffffff << (32 - prefixLength)) >>> 0;
}

/** The network address of `ip` in a subnet of the given prefix length. */
export function networkOf(ip: number, prefixLength: number): number {
  return (ip & prefixMask(prefixLength)) >>> 0;
}

/** An address with its prefix length, as in `10.0.0.2/24`. */
export interface Cidr {
  ip: number;
  prefixLength: number;
}

function parseCidrParts(text: string): Parsed<Cidr> {
  const slash = text.indexOf("/");
  if (slash < 0) return bad(`"${text}" has no prefix length (write it like 10.0.0.2/24)`);
  const ip = parseIpv4(text.slice(0, slash));
  if (!ip.ok) return ip;
  const lenText = text.slice(slash + 1);
  if (!/^\d{1,2}$/.test(lenText) || Number(lenText) > 32) {
    return bad(`"${text}" has a bad prefix length /${lenText} (it must be 0 to 32)`);
  }
  return good({ ip: ip.value, prefixLength: Number(lenText) });
}

/**
 * Parses an interface address such as `10.0.0.2/24`. The address must be usable by a host: not the
 * network or broadcast address of its subnet (except on /31 point-to-point links, RFC 3021, and /32).
 */
export function parseInterfaceAddress(text: string): Parsed<Cidr> {
  const parsed = parseCidrParts(text);
  if (!parsed.ok) return parsed;
  const { ip, prefixLength } = parsed.value;
  if (prefixLength === 0) return bad(`"${text}": a /0 prefix cannot be an interface's subnet`);
  if (prefixLength <= 30) {
    const network = networkOf(ip, prefixLength);
    const broadcast = (network | ~prefixMask(prefixLength)) >>> 0;
    const net = `${formatIpv4(network)}/${prefixLength}`;
    if (ip === network) {
      return bad(
        `${formatIpv4(ip)} is the network address of ${net}; use a host address like ${
          formatIpv4(network + 1)
        }`,
      );
    }
    if (ip === broadcast) {
      return bad(
        `${formatIpv4(ip)} is the broadcast address of ${net}; use a host address like ${
          formatIpv4(broadcast - 1)
        }`,
      );
    }
  }
  return parsed;
}

/**
 * Parses a route destination: `default`, `a.b.c.d/len` with no host bits set, or a bare address (a /32
 * host route).
 */
export function parseNetwork(text: string): Parsed<Cidr> {
  if (text === "default") return good({ ip: 0, prefixLength: 0 });
  if (!text.includes("/")) {
    const ip = parseIpv4(text);
    return ip.ok ? good({ ip: ip.value, prefixLength: 32 }) : ip;
  }
  const parsed = parseCidrParts(text);
  if (!parsed.ok) return parsed;
  const { ip, prefixLength } = parsed.value;
  const network = networkOf(ip, prefixLength);
  if (network !== ip) {
    return bad(`"${text}" has host bits set; did you mean ${formatIpv4(network)}/${prefixLength}?`);
  }
  return parsed;
}

/** Whether two subnets share any address. */
export function subnetsOverlap(a: Cidr, b: Cidr): boolean {
  const len = Math.min(a.prefixLength, b.prefixLength);
  return networkOf(a.ip, len) === networkOf(b.ip, len);
}

/** `10.0.0.0/24` for an address and prefix length. */
export function formatSubnet(c: Cidr): string {
  return `${formatIpv4(networkOf(c.ip, c.prefixLength))}/${c.prefixLength}`;
}

const BANDWIDTH_UNITS: Record<string, number> = { bps: 1, kbps: 1e3, mbps: 1e6, gbps: 1e9 };

/**
 * Parses a bandwidth in bits per second: `10Mbps`, `1.5Gbps`, `64kbps`, `9600bps` or a plain number of
 * bits per second. Zero means unlimited.
 */
export function parseBandwidth(value: string | number): Parsed<number> {
  const hint = "write it like 10Mbps, 512kbps, 1Gbps or a number of bits per second";
  if (typeof value === "number") {
    return Number.isFinite(value) && value >= 0
      ? good(Math.round(value))
      : bad(`bad bandwidth ${value}: ${hint}`);
  }
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]+)?\s*$/.exec(value);
  const unit = match ? (match[2] ?? "bps").toLowerCase() : "";
  if (!match || !(unit in BANDWIDTH_UNITS)) return bad(`bad bandwidth "${value}": ${hint}`);
  return good(Math.round(Number(match[1]) * BANDWIDTH_UNITS[unit]));
}

/** Parses a probability: `1%`, `0.5%` or a fraction such as `0.01`. */
export function parseFraction(value: string | number): Parsed<number> {
  if (typeof value === "number") {
    if (!Number.isFinite(value) || value < 0) return bad(`bad percentage ${value}: write it like 1% or 0.01`);
    if (value > 1) return bad(`${value} is more than 1; write ${value}% if you mean ${value} percent`);
    return good(value);
  }
  const match = /^\s*(\d+(?:\.\d+)?)\s*(%)?\s*$/.exec(value);
  if (!match) return bad(`bad percentage "${value}": write it like 1% or 0.01`);
  const n = Number(match[1]);
  if (match[2]) {
    return n <= 100 ? good(n / 100) : bad(`${value} is more than 100%`);
  }
  return n <= 1 ? good(n) : bad(`${value} is more than 1; write ${value}% if you mean ${value} percent`);
}

/** Edit distance counting a swap of neighbours as one edit (optimal string alignment), for typo hints. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.length][b.length];
}

/** The candidate closest to `word`, if it is close enough to be a plausible typo. */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  const limit = word.length <= 4 ? 1 : word.length <= 8 ? 2 : 3;
  return bestDistance <= limit ? best : undefined;
}

/** ` (did you mean "x"?)` or an empty string. */
export function suggestion(word: string, candidates: Iterable<string>): string {
  const best = closest(word, candidates);
  return best === undefined ? "" : ` (did you mean "${best}"?)`;
}

const PRIVATE_RANGES: [number, number][] = [
  [0x0a000000, 8], // 10.0.0.0/8 (RFC 1918)
  [0xac100000, 12], // 172.16.0.0/12 (RFC 1918)
  [0xc0a80000, 16], // 192.168.0.0/16 (RFC 1918)
  [0x64400000, 10], // 100.64.0.0/10 (RFC 6598, carrier-grade NAT)
  [0xa9fe0000, 16], // 169.254.0.0/16 (RFC 3927, link-local)
];

/**
 * Whether an address is private (RFC 1918, CGNAT or link-local): such addresses may repeat in separate
 * sites behind NAT, public ones may not.
 */
export function isPrivate(ip: number): boolean {
  return PRIVATE_RANGES.some(([net, len]) => networkOf(ip, len) === net);
}
