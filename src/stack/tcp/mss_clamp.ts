/**
 * MSS clamping on a router (what iptables' TCPMSS target does): a SYN passing through has its MSS
 * option lowered so that neither end sends segments bigger than the narrowest interface here can
 * carry. `pmtu` takes the smaller MTU of the interface the SYN came in by and the one it leaves by,
 * minus the 40 bytes of IPv4 and TCP headers, as Linux's --clamp-mss-to-pmtu does with the reverse
 * route; a number clamps to that value. It fixes PMTU black holes without needing ICMP.
 */
import type { Ipv4Packet } from "../../wire/ipv4.ts";
import { clampMss, PROTO_TCP } from "../../wire/tcp.ts";

/** The `tcp-mss-clamp` setting: a fixed MSS, or the path's MTU minus 40. */
export type MssClampSetting = number | "pmtu";

/** The MSS a setting allows for a SYN crossing from an interface of `inMtu` to one of `outMtu`. */
export function clampValue(setting: MssClampSetting, inMtu: number, outMtu: number): number {
  return setting === "pmtu" ? Math.min(inMtu, outMtu) - 40 : setting;
}

/**
 * Lowers the MSS of a forwarded SYN in place (`bytes` is the whole datagram, `ip` its decoding) and
 * fixes the TCP checksum. Returns the change, or null when the datagram is no SYN with a larger MSS.
 */
export function clampForwardedSyn(
  bytes: Uint8Array,
  ip: Ipv4Packet,
  setting: MssClampSetting,
  inMtu: number,
  outMtu: number,
): { from: number; to: number } | null {
  if (ip.protocol !== PROTO_TCP || ip.fragmentOffset > 0 || ip.moreFragments) return null;
  const headerLength = (bytes[0] & 0x0f) * 4;
  return clampMss(
    bytes.subarray(headerLength, headerLength + ip.payload.length),
    clampValue(setting, inMtu, outMtu),
  );
}
