/** IPv4 addresses are carried as unsigned 32-bit numbers inside the engine and as dotted quads outside. */
export type Ip4 = number;

export function parseIp(text: string): Ip4 | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return null;
    const octet = Number(part);
    if (octet > 255) return null;
    value = value * 256 + octet;
  }
  return value >>> 0;
}

export function formatIp(ip: Ip4): string {
  return `${ip >>> 24}.${(ip >>> 16) & 0xff}.${(ip >>> 8) & 0xff}.${ip & 0xff}`;
}

export function prefixMask(length: number): number {
  return length === 0 ? 0 : (0xffffffff << (32 - length)) >>> 0;
}

export function inSubnet(ip: Ip4, network: Ip4, length: number): boolean {
  const mask = prefixMask(length);
  return ((ip & mask) >>> 0) === ((network & mask) >>> 0);
}

export function networkOf(ip: Ip4, length: number): Ip4 {
  return (ip & prefixMask(length)) >>> 0;
}

export function readIp(data: Uint8Array, offset: number): Ip4 {
  return ((data[offset] << 24) | (data[offset + 1] << 16) | (data[offset + 2] << 8) | data[offset + 3]) >>> 0;
}

export function writeIp(data: Uint8Array, offset: number, ip: Ip4): void {
  data[offset] = ip >>> 24;
  data[offset + 1] = (ip >>> 16) & 0xff;
  data[offset + 2] = (ip >>> 8) & 0xff;
  data[offset + 3] = ip & 0xff;
}
