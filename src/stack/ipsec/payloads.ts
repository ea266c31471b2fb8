/**
 * Small readers and builders over decoded ISAKMP payload lists, shared by Main Mode, Quick Mode and
 * the Informational exchange: picking payloads of one kind, reading a transform attribute, and the
 * IPv4 ID payloads and traffic selectors L2TP/IPsec uses.
 */
import { newBytes } from "../../crypto/bytes.ts";
import { toHex } from "../../crypto/index.ts";
import { formatIp, type Ip4, writeIp } from "../../wire/addr.ts";
import { type Attribute, ID_IPV4_ADDR, type Payload, type PayloadItem } from "../../wire/isakmp.ts";

/** An address and UDP port. */
export interface Endpoint {
  ip: Ip4;
  port: number;
}

/** `n` zero bytes. */
export function zeros(n: number): Uint8Array {
  return newBytes(n);
}

/** An IPv4 address as the 4 bytes ID and NAT-OA payloads carry. */
export function ipBytes(ip: Ip4): Uint8Array {
  const out = newBytes(4);
  writeIp(out, 0, ip);
  return out;
}

/** The value of a basic (TV) attribute, if present. */
export function attr(attributes: Attribute[], type: number): number | undefined {
  const found = attributes.find((a) => a.type === type);
  return typeof found?.value === "number" ? found.value : undefined;
}

/** The payloads of one kind in a message. */
export function all<K extends Payload["kind"]>(
  items: PayloadItem[],
  kind: K,
): Extract<Payload, { kind: K }>[] {
  return items.map((i) => i.payload).filter((p): p is Extract<Payload, { kind: K }> => p.kind === kind);
}

/** The first payload of one kind, if any. */
export function first<K extends Payload["kind"]>(items: PayloadItem[], kind: K) {
  return all(items, kind)[0];
}

/** The first item (payload with its raw body) of one kind. */
export function itemOf(items: PayloadItem[], kind: Payload["kind"]): PayloadItem | undefined {
  return items.find((i) => i.payload.kind === kind);
}

/** The bytes after the leading HASH payload up to the end of the last payload (padding excluded). */
export function afterHash(plaintext: Uint8Array, items: PayloadItem[]): Uint8Array {
  const hashLength = 4 + items[0].body.length;
  const end = items.reduce((n, item) => n + 4 + item.body.length, 0);
  return plaintext.subarray(hashLength, end);
}

/** A Quick Mode identity: UDP to or from one address and port (RFC 3193's 1701). */
export function udpIdPayload(endpoint: Endpoint): Payload {
  return { kind: "id", idType: ID_IPV4_ADDR, protocol: 17, port: endpoint.port, data: ipBytes(endpoint.ip) };
}

/** The cookie pair as charon prints it. */
export function cookieText(icookie: Uint8Array, rcookie: Uint8Array): string {
  return `${toHex(icookie)}_i ${toHex(rcookie)}_r`;
}

/** The traffic a Quick Mode protects: UDP between these endpoints (L2TP's 1701 on the server side). */
export interface Selector {
  local: Endpoint;
  remote: Endpoint;
}

/** Whether two selectors protect the same traffic. */
export function sameSelector(a: Selector, b: Selector): boolean {
  return a.local.ip === b.local.ip && a.remote.ip === b.remote.ip && a.local.port === b.local.port &&
    a.remote.port === b.remote.port;
}

/** `192.168.1.10/32[udp/1701] === 203.0.113.10/32[udp/1701]`, as charon prints traffic selectors. */
export function selectorText(s: Selector): string {
  const side = (e: Endpoint) => `${formatIp(e.ip)}/32[udp${e.port ? `/${e.port}` : ""}]`;
  return `${side(s.local)} === ${side(s.remote)}`;
}
