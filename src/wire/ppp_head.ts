/**
 * The four bytes every PPP control and authentication packet starts with, LCP's and the NCPs' (RFC 1661
 * §5) as much as PAP's (RFC 1334 §2.2) and CHAP's (RFC 1994 §4): Code, Identifier, Length.
 */
import type { Field } from "./field.ts";
import { leaf, u16 } from "./octets.ts";

/**
 * The head of a packet at `offset` (at least 4 bytes before `end`) as inspector leaves, with the code
 * named from `names`, and `stop`: where the packet ends by its Length, cut to `end`.
 */
export function describePppHead(
  bytes: Uint8Array,
  offset: number,
  end: number,
  names: Record<number, string>,
): { code: number; stop: number; children: Field[] } {
  const code = bytes[offset];
  const length = u16(bytes, offset + 2);
  return {
    code,
    stop: Math.min(end, offset + Math.max(4, length)),
    children: [
      leaf("Code", `${names[code] ?? "Unknown"} (${code})`, offset, 1),
      leaf("Identifier", String(bytes[offset + 1]), offset + 1, 1),
      leaf("Length", String(length), offset + 2, 2),
    ],
  };
}
