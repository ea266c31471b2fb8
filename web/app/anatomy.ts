/**
 * Packet anatomy: a packet's layers in order with their byte counts, the seed's packet-structure
 * drawing made real. Each top-level layer of the dissection is a block from its start to the next
 * layer's start; an ESP payload is opened with the inner (decrypted) packet and the SA's IV and ICV
 * sizes into IV | inner layers | padding | pad length + next header | ICV, marked encrypted. The
 * blocks always add up to the frame length. Pure: no DOM.
 */
import type { TraceRecord } from "../../src/trace/record.ts";
import type { Field } from "../../src/wire/field.ts";
import { type Category, layerOf } from "./categories.ts";

/** One block of the bar. */
export interface Segment {
  label: string;
  category: Category;
  start: number;
  end: number;
  /** Inside the ESP ciphertext: a tap on the wire sees these bytes only as noise. */
  encrypted: boolean;
}

export interface Anatomy {
  segments: Segment[];
  total: number;
  /** The packet the tunnel carries (the innermost IP datagram, or ESP's plaintext datagram), if any. */
  innerLength?: number;
  /**
   * For ESP opened with its inner datagram: where that datagram's byte 0 would sit in the frame (in
   * transport mode its IP header is not in the ciphertext, so this is before the plaintext's start).
   */
  innerOffset?: number;
}

function nameOf(field: Field): { label: string; category: Category } {
  const known = layerOf(field.name);
  if (!known) return { label: field.name.split(" ")[0], category: "OTHER" };
  // UDP and TCP name their port, since 500, 1701, 4500 and 1723 are the story of this lab: the lower
  // of the two, which is the service's in either direction.
  if (known.label === "UDP" || known.label === "TCP") {
    const ports = /(\d+) → (\d+)/.exec(field.value);
    const port = ports ? Math.min(Number(ports[1]), Number(ports[2])) : undefined;
    return { label: port !== undefined ? `${known.label} ${port}` : known.label, category: known.category };
  }
  return known;
}

/** The layers of a dissection as blocks from each layer's start to the next one's. */
function layerSegments(fields: Field[], offset: number, end: number, encrypted: boolean): Segment[] {
  const out: Segment[] = [];
  fields.forEach((f, i) => {
    const start = offset + f.start;
    const stop = i + 1 < fields.length ? offset + fields[i + 1].start : Math.min(end, offset + f.end);
    if (stop <= start) return;
    out.push({ ...nameOf(f), start, end: stop, encrypted });
  });
  return out;
}

/** What an ESP SA's algorithms add around the payload. */
export interface EspSizes {
  ivLength: number;
  icvLength: number;
}

/** IV and ICV sizes from an SA's proposal text, e.g. "aes128-cbc/hmac-sha1-96". */
export function espSizes(proposal: string): EspSizes {
  const p = proposal.toLowerCase();
  const ivLength = /aes.*gcm/.test(p) ? 8 : /aes/.test(p) ? 16 : /des/.test(p) ? 8 : 0;
  const icvLength = /sha2?_?256|sha256/.test(p) ? 16 : /sha|md5/.test(p) ? 12 : /gcm/.test(p) ? 16 : 0;
  return { ivLength, icvLength };
}

/** The proposal of the SA with this SPI (hex as the tables write it, "0xcd9cd227"), from the trace. */
export function proposalOf(records: readonly TraceRecord[], spi: string): string | undefined {
  for (let i = records.length - 1; i >= 0; i--) {
    const r = records[i];
    if (r.kind !== "state" || r.table !== "ipsec-sas" || !r.value) continue;
    if (r.value["spi-in"] === spi || r.value["spi-out"] === spi) return String(r.value.proposal ?? "");
  }
  return undefined;
}

/**
 * The anatomy of a frame from its dissection. For ESP, `inner` is the decrypted datagram (its
 * dissection and length) and `esp` the SA's sizes; in transport mode the plaintext is the inner
 * datagram without its IP header.
 */
export function anatomyOf(
  fields: Field[],
  total: number,
  inner?: { fields: Field[]; length: number },
  esp?: EspSizes,
): Anatomy {
  const top = layerSegments(fields, 0, total, false);
  const last = top[top.length - 1];
  const espAt = top.findIndex((s) => s.label === "ESP header");
  if (espAt >= 0 && inner && esp) {
    const espStart = top[espAt].start;
    const before = top.slice(0, espAt);
    const header = {
      label: "ESP header",
      category: "ESP" as Category,
      start: espStart,
      end: espStart + 8,
      encrypted: false,
    };
    const ivEnd = header.end + esp.ivLength;
    const icvStart = total - esp.icvLength;
    // Transport mode: the ciphertext holds the inner datagram's payload, not its IP header.
    const innerHeader =
      inner.fields[0] && /^Internet Protocol/.test(inner.fields[0].name) && inner.fields.length > 1
        ? inner.fields[1].start
        : 0;
    const plainLength = inner.length - innerHeader;
    const plainEnd = ivEnd + plainLength;
    const trailerStart = icvStart - 2;
    if (plainEnd <= trailerStart && ivEnd <= plainEnd) {
      const innerLayers = layerSegments(
        inner.fields.slice(innerHeader > 0 ? 1 : 0),
        ivEnd - innerHeader,
        plainEnd,
        true,
      );
      const segments: Segment[] = [
        ...before,
        header,
        ...(esp.ivLength > 0
          ? [{ label: "IV", category: "ESP" as Category, start: header.end, end: ivEnd, encrypted: false }]
          : []),
        ...innerLayers,
        ...(trailerStart > plainEnd
          ? [{
            label: "padding",
            category: "ESP" as Category,
            start: plainEnd,
            end: trailerStart,
            encrypted: true,
          }]
          : []),
        {
          label: "pad length + next header",
          category: "ESP",
          start: trailerStart,
          end: icvStart,
          encrypted: true,
        },
        ...(esp.icvLength > 0
          ? [{ label: "ICV", category: "ESP" as Category, start: icvStart, end: total, encrypted: false }]
          : []),
      ];
      return { segments, total, innerLength: inner.length, innerOffset: ivEnd - innerHeader };
    }
  }
  if (last && last.end < total) {
    top.push({ label: "trailer", category: "OTHER", start: last.end, end: total, encrypted: false });
  }
  // A tunnel's inner packet is its innermost IP datagram, when there is more than one IP header.
  const ips = top.filter((s) => s.label === "IP");
  const innerLength = ips.length > 1 ? total - ips[ips.length - 1].start : undefined;
  return { segments: top, total, innerLength };
}
