/**
 * Classic libpcap files from trace records: one capture per link (every `tx` record on it) or one
 * merged capture of all links. Pure, so the CLI and the browser's "download pcap" share it.
 *
 * Format (https://wiki.wireshark.org/Development/LibpcapFileFormat): a 24-byte global header, then per
 * packet a 16-byte record header and the bytes. Everything is little-endian; readers tell the byte
 * order from the magic number. Link type 101 (LINKTYPE_RAW) means each packet starts at the IPv4 header.
 */
import type { Decoded } from "../wire/field.ts";
import type { TraceRecord } from "./record.ts";

/** Magic number for microsecond timestamps. */
export const PCAP_MAGIC = 0xa1b2c3d4;
/** LINKTYPE_RAW: raw IPv4/IPv6, no link-layer header. */
export const LINKTYPE_RAW = 101;
/** LINKTYPE_PPP: PPP frames starting with address and control (FF 03), as on a dial-up line. */
export const LINKTYPE_PPP = 9;
/** The largest packet the captures keep whole (larger ones are truncated, as tcpdump -s does). */
export const SNAPLEN = 65535;

const GLOBAL_HEADER = 24;
const RECORD_HEADER = 16;

/** One captured packet: simulated time in microseconds and the IPv4 datagram. */
export interface CapturedPacket {
  t: number;
  bytes: Uint8Array;
}

/** A classic pcap file holding `packets` in the given order. */
export function pcapFromPackets(packets: readonly CapturedPacket[], linktype = LINKTYPE_RAW): Uint8Array {
  let size = GLOBAL_HEADER;
  for (const p of packets) size += RECORD_HEADER + Math.min(p.bytes.length, SNAPLEN);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  view.setUint32(0, PCAP_MAGIC, true);
  view.setUint16(4, 2, true); // version 2.4
  view.setUint16(6, 4, true);
  view.setInt32(8, 0, true); // timestamps are UTC (simulated time starts at the epoch)
  view.setUint32(12, 0, true); // sigfigs: always 0
  view.setUint32(16, SNAPLEN, true);
  view.setUint32(20, linktype, true);
  let at = GLOBAL_HEADER;
  for (const p of packets) {
    const kept = Math.min(p.bytes.length, SNAPLEN);
    view.setUint32(at, Math.floor(p.t / 1_000_000), true);
    view.setUint32(at + 4, p.t % 1_000_000, true);
    view.setUint32(at + 8, kept, true);
    view.setUint32(at + 12, p.bytes.length, true);
    out.set(p.bytes.subarray(0, kept), at + RECORD_HEADER);
    at += RECORD_HEADER + kept;
  }
  return out;
}

/** `tx` records with bytes of one kind (IPv4, or PPP frames), optionally on one link only. */
function transmitted(records: readonly TraceRecord[], ppp: boolean, link?: string): CapturedPacket[] {
  const packets: CapturedPacket[] = [];
  for (const r of records) {
    if (
      r.kind === "tx" && r.bytes && (r.linktype === "ppp") === ppp && (link === undefined || r.link === link)
    ) {
      packets.push({ t: r.t, bytes: r.bytes });
    }
  }
  return packets;
}

/**
 * The capture of one link: every frame put on it (`tx` records), in trace order. A dial-up line
 * carries PPP frames and gets linktype PPP; every other link carries IPv4 and gets linktype RAW.
 */
export function writePcap(records: readonly TraceRecord[], linkName: string): Uint8Array {
  const ppp = records.some((r) => r.kind === "tx" && r.link === linkName && r.linktype === "ppp");
  return pcapFromPackets(transmitted(records, ppp, linkName), ppp ? LINKTYPE_PPP : LINKTYPE_RAW);
}

/** Dial-up lines that carried frames in this run (they are not links of the topology). */
export function dialupLines(records: readonly TraceRecord[]): string[] {
  const lines = new Set<string>();
  for (const r of records) if (r.kind === "tx" && r.linktype === "ppp" && r.link) lines.add(r.link);
  return [...lines];
}

/**
 * All links in one capture, in trace order. A datagram crossing three links appears three times, as
 * when capturing on every interface at once; classic pcap has no interface ids, so use per-link
 * files to tell the hops apart.
 */
export function writeMergedPcap(records: readonly TraceRecord[]): Uint8Array {
  // One file has one link type: the dial-up lines' PPP frames have their own per-line captures.
  return pcapFromPackets(transmitted(records, false));
}

/** What `readPcap` found: the global header's fields and the packets. */
export interface PcapFile {
  littleEndian: boolean;
  versionMajor: number;
  versionMinor: number;
  snaplen: number;
  linktype: number;
  packets: { t: number; originalLength: number; bytes: Uint8Array }[];
}

/** Whether `bytes` start like a classic pcap file (either byte order, µs or ns timestamps). */
export function isPcap(bytes: Uint8Array): boolean {
  if (bytes.length < 4) return false;
  const magic = new DataView(bytes.buffer, bytes.byteOffset, 4);
  return [magic.getUint32(0, true), magic.getUint32(0, false)].some((m) =>
    m === PCAP_MAGIC || m === 0xa1b23c4d
  );
}

/** Parses a classic microsecond pcap (for tests and for importing captures); never throws. */
export function readPcap(bytes: Uint8Array): Decoded<PcapFile> {
  if (bytes.length < GLOBAL_HEADER) {
    return { ok: false, error: `too short for a pcap header (${bytes.length} bytes)` };
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const littleEndian = view.getUint32(0, true) === PCAP_MAGIC;
  if (!littleEndian && view.getUint32(0, false) !== PCAP_MAGIC) {
    return { ok: false, error: `not a microsecond pcap (magic 0x${view.getUint32(0, false).toString(16)})` };
  }
  const file: PcapFile = {
    littleEndian,
    versionMajor: view.getUint16(4, littleEndian),
    versionMinor: view.getUint16(6, littleEndian),
    snaplen: view.getUint32(16, littleEndian),
    linktype: view.getUint32(20, littleEndian),
    packets: [],
  };
  let at = GLOBAL_HEADER;
  while (at < bytes.length) {
    if (at + RECORD_HEADER > bytes.length) {
      return { ok: false, error: `truncated record header at byte ${at}` };
    }
    const seconds = view.getUint32(at, littleEndian);
    const micros = view.getUint32(at + 4, littleEndian);
    const included = view.getUint32(at + 8, littleEndian);
    const originalLength = view.getUint32(at + 12, littleEndian);
    if (micros >= 1_000_000) return { ok: false, error: `bad microseconds ${micros} at byte ${at}` };
    const end = at + RECORD_HEADER + included;
    if (end > bytes.length) return { ok: false, error: `truncated packet at byte ${at}` };
    file.packets.push({
      t: seconds * 1_000_000 + micros,
      originalLength,
      bytes: bytes.subarray(at + RECORD_HEADER, end),
    });
    at = end;
  }
  return { ok: true, value: file };
}
