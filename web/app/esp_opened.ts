/**
 * The opened ESP layer of a frame as the inspector shows it under "Show decrypted": the run recorded its
 * SA keys, so the view opens the packet as its receiver does and shows the trailer and ICV as fields,
 * where the dissection of the wire bytes alone can only show one encrypted blob.
 */
import { openEspFields } from "../../src/trace/esp_open.ts";
import type { TraceRecord } from "../../src/trace/record.ts";
import type { Decoded, Field } from "../../src/wire/field.ts";
import { fail } from "../../src/wire/field.ts";

/** NAT-T's port (RFC 3948): ESP in UDP, told from IKE on the same port by a non-zero first word. */
const NAT_T_PORT = 4500;

/** Where ESP starts in an IPv4 datagram `ip` (protocol 50, or UDP 4500 with a non-zero SPI), or -1. */
export function espOffset(ip: Uint8Array): number {
  if (ip.length < 20 || ip[0] >> 4 !== 4) return -1;
  const ihl = (ip[0] & 0x0f) * 4;
  if (ip[9] === 50) return ihl;
  if (ip[9] !== 17 || ip.length < ihl + 12) return -1;
  const dst = (ip[ihl + 2] << 8) | ip[ihl + 3];
  const marker = ip[ihl + 8] | ip[ihl + 9] | ip[ihl + 10] | ip[ihl + 11];
  return dst === NAT_T_PORT && marker !== 0 ? ihl + 8 : -1;
}

/** The fields of the opened ESP packet in IPv4 datagram `ip`, with ranges into `ip`. */
export function openedEspOf(records: readonly TraceRecord[], ip: Uint8Array): Decoded<Field[]> {
  const offset = espOffset(ip);
  if (offset < 0) return fail("no ESP in this packet");
  return openEspFields(records, ip.subarray(offset), offset);
}
