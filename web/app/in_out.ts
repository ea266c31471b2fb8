/**
 * In and out at a device (Packet Tracer's OSI view): for a hop where the receiving device rewrote,
 * wrapped or unwrapped the packet, the bytes as they came in and as they left, which fields changed
 * or which layers were added or removed, and a sentence saying why. Pure: no DOM.
 */
import type { TraceRecord } from "../../src/trace/record.ts";
import type { Field } from "../../src/wire/field.ts";
import { describeFrame } from "../../src/wire/frame.ts";
import type { Run } from "./run.ts";
import { valueText } from "./sentences.ts";
import type { Step } from "./steps.ts";

/** The two sides of a device's work on one packet. */
export interface InOut {
  /** `send`: the device wrapped a packet of its own (the laptop's L2TP, its ESP) before sending it. */
  action: "nat" | "encap" | "decap" | "send";
  node: string;
  before: Uint8Array;
  after: Uint8Array;
  /** Where the "after" bytes come from: the record that carries them. */
  afterSeq: number;
  why: string;
}

/**
 * What a hop step shows of a device's work: at the sender, the packet its own stack handed down
 * against the frame it sent, when it wrapped it; at the receiver, the rewrite, wrap or unwrap there.
 */
export function inOutsOf(run: Pick<Run, "index">, step: Step): InOut[] {
  return [sentOf(run, step), inOutOf(run, step)].filter((x): x is InOut => x !== null);
}

/**
 * The sender's own wrapping in a hop step: the chain of encaps at the sending device that ends in the
 * transmitted packet, from the innermost packet (as handed down) to the frame on the wire, or null.
 */
export function sentOf(run: Pick<Run, "index">, step: Step): InOut | null {
  if (step.kind !== "hop" || step.tx < 0) return null;
  const { records, byPacket } = run.index;
  const tx = records[step.tx];
  if (!tx.bytes || tx.pkt === undefined) return null;
  // The wrapping may sit in the step before (the program's output that made the packet), so it is
  // looked up by packet, not among the step's members.
  const encapOf = (pkt: number) =>
    (byPacket.get(pkt) ?? []).map((s) => records[s]).find((r) =>
      r.kind === "encap" && r.node === tx.node && r.seq < tx.seq && r.parent !== undefined
    );
  const chain: TraceRecord[] = [];
  for (let e = encapOf(tx.pkt); e && chain.length < 8; e = encapOf(e.parent!)) chain.push(e);
  if (chain.length === 0) return null;
  const innermost = chain[chain.length - 1];
  const inner = byPacket.get(innermost.parent!) ?? [];
  // A packet that came in and was wrapped here is the receiver's story (inOutOf), not the sender's.
  if (
    inner.some((s) =>
      records[s].node === tx.node && (records[s].kind === "rx" || records[s].kind === "decap")
    )
  ) {
    return null;
  }
  // The inner packet's bytes: on the encap record (ESP keeps its plaintext there), else any record of
  // that packet (a tunnel does not change what it carries).
  const before = innermost.bytes ?? inner.map((s) => records[s]).find((r) => r.bytes)?.bytes ??
    innerDatagram(tx.bytes);
  if (!before) return null;
  const layers = chain.slice().reverse().map((e) => encapWhy(run, e, tx.node).replace(/\.$/, ""));
  const why = `${tx.node} made this packet itself and ${layers.length > 1 ? "wrapped it twice: " : ""}${
    layers.join("; then ")
  }.`;
  return { action: "send", node: tx.node, before, after: tx.bytes, afterSeq: tx.seq, why };
}

/** The innermost IPv4 datagram a cleartext tunnel frame carries (the last IP layer of its dissection). */
function innerDatagram(frame: Uint8Array): Uint8Array | undefined {
  const ips = describeFrame(frame).filter((f) => /^Internet Protocol Version 4/.test(f.name));
  if (ips.length < 2) return undefined;
  const at = ips[ips.length - 1].start;
  // Its own Total Length says where it ends (the dissection's IP layer is the header alone).
  const length = (frame[at + 2] << 8) | frame[at + 3];
  return at + length <= frame.length ? frame.subarray(at, at + length) : undefined;
}

/** Finds the rewrite, wrap or unwrap in a hop step, with the bytes on both sides, or null. */
export function inOutOf(run: Pick<Run, "index">, step: Step): InOut | null {
  if (step.kind !== "hop" || step.tx < 0) return null;
  const { records, byPacket, bytesOf } = run.index;
  const arrival = records[step.at];
  const node = arrival.node;
  const before = records[step.tx].bytes;
  if (!before || arrival.kind !== "rx") return null;
  const here = step.members.filter((s) => s > step.at && records[s].node === node).map((s) => records[s]);
  const nextTx = (pkt: number | undefined) =>
    pkt === undefined ? undefined : (byPacket.get(pkt) ?? []).map((s) => records[s])
      .find((r) => r.seq > step.at && r.kind === "tx" && r.node === node && r.bytes);
  const decap = here.find((r) => r.kind === "decap" && r.parent === arrival.pkt);
  if (decap) {
    const at = bytesOf[decap.seq];
    const after = at >= 0 ? records[at].bytes : undefined;
    if (after) return { action: "decap", node, before, after, afterSeq: at, why: decapWhy(decap, here) };
  }
  const encap = here.find((r) => r.kind === "encap" && r.parent === arrival.pkt);
  if (encap) {
    const out = nextTx(encap.pkt);
    if (out?.bytes) {
      return {
        action: "encap",
        node,
        before,
        after: out.bytes,
        afterSeq: out.seq,
        why: encapWhy(run, encap, node),
      };
    }
  }
  const nat = here.find((r) => r.kind === "nat");
  if (nat) {
    const out = nextTx(arrival.pkt);
    if (out?.bytes) {
      return {
        action: "nat",
        node,
        before,
        after: out.bytes,
        afterSeq: out.seq,
        why: natWhy(nat, before, out.bytes),
      };
    }
  }
  return null;
}

function tuple(x: unknown): { src: string; dst: string } {
  const t = (x ?? {}) as Record<string, unknown>;
  return { src: valueText(t.src), dst: valueText(t.dst) };
}

/** Whether the bytes after both IP+UDP/ICMP headers are the same (the inner payload untouched). */
function payloadSame(a: Uint8Array, b: Uint8Array): boolean {
  const skip = (x: Uint8Array) => (x[0] & 0x0f) * 4 + (x[9] === 17 ? 8 : 0);
  const [pa, pb] = [a.subarray(skip(a)), b.subarray(skip(b))];
  return pa.length === pb.length && pa.every((v, i) => v === pb[i]);
}

function natWhy(nat: TraceRecord, before: Uint8Array, after: Uint8Array): string {
  const d = nat.detail ?? {};
  const [b, a] = [tuple(d.before), tuple(d.after)];
  const parts: string[] = [];
  if (b.src !== a.src) parts.push(`source ${b.src} → ${a.src}`);
  if (b.dst !== a.dst) parts.push(`destination ${b.dst} → ${a.dst}`);
  const which = d.action === "dnat"
    ? "the reply is sent back inside"
    : "the packet leaves from the router's own address";
  const rewritten = parts.length > 0 ? `outer ${parts.join(", ")} rewritten by NAT (${which})` : nat.summary;
  const inner = payloadSame(before, after)
    ? "; the payload inside is untouched"
    : "; the checksums follow the new addresses";
  return `${rewritten}${inner}.`;
}

function encapWhy(run: Pick<Run, "index">, encap: TraceRecord, node: string): string {
  if (encap.proto === "ESP") {
    // The device's IPsec policy says which traffic must be protected.
    const policy = [...run.index.records].reverse().find((r) =>
      r.kind === "state" && r.node === node && r.table === "ipsec-policy" && r.value && r.seq <= encap.seq
    );
    const traffic = policy?.value ? valueText(policy.value.traffic) : "";
    return `wrapped in ESP because the policy requires it${
      traffic ? ` for ${traffic}` : ""
    }: ${encap.summary}.`;
  }
  if (encap.proto === "L2TP") return `wrapped in PPP and L2TP to travel the tunnel: ${encap.summary}.`;
  return `wrapped: ${encap.summary}.`;
}

function decapWhy(decap: TraceRecord, here: TraceRecord[]): string {
  const next = here.find((r) => r.seq > decap.seq && (r.kind === "deliver" || r.kind === "forward"));
  const then = next?.kind === "forward"
    ? " and routed on"
    : next?.kind === "deliver"
    ? " and delivered here"
    : "";
  const how = decap.proto === "ESP" || /ESP/.test(decap.summary) ? "decrypted and unwrapped" : "unwrapped";
  return `${how} at ${decap.node}${then}: ${decap.summary}.`;
}

/** A field's place in a dissection: layer index and its path of names. */
export interface FieldMark {
  changed: Set<Field>;
  added: Set<Field>;
}

function leaves(field: Field, path: string, out: Map<string, Field>): void {
  const key = `${path}/${field.name}`;
  let n = 1;
  while (out.has(`${key}#${n}`)) n++;
  out.set(`${key}#${n}`, field);
  for (const c of field.children ?? []) leaves(c, `${key}#${n}`, out);
}

/**
 * Which fields of `after` differ from `before`: for a rewrite, values compared field by field; for a
 * wrap, the outer layers `after` adds; for an unwrap, the layers `before` loses (marked on `before`).
 */
export function compareDissections(
  before: Field[],
  after: Field[],
  action: InOut["action"],
): { before: FieldMark; after: FieldMark; encrypted: boolean } {
  const empty = (): FieldMark => ({ changed: new Set(), added: new Set() });
  const result = { before: empty(), after: empty(), encrypted: false };
  const extra = Math.abs(after.length - before.length);
  const wraps = action === "encap" || action === "send";
  const isEsp = (f: Field) => /^Encapsulating Security/.test(f.name);
  if (wraps && after.some(isEsp) && !before.some(isEsp)) {
    // ESP hides what it carries: the layers after the kept IP header (transport mode: same addresses)
    // or all of them (tunnel mode) become ciphertext, and ESP's own layers are new.
    const ends = (f: Field | undefined) =>
      (f?.children ?? []).filter((c) => /Source Address|Destination Address/.test(c.name)).map((c) => c.value)
        .join();
    const kept = /^Internet Protocol/.test(after[0]?.name ?? "") && ends(after[0]) === ends(before[0])
      ? 1
      : 0;
    if (kept) compareLeaves([before[0]], [after[0]], result);
    for (const f of after.slice(kept)) markAll(f, result.after.added);
    for (const f of before.slice(kept)) markAll(f, result.before.added);
    result.encrypted = true;
    return result;
  }
  if (wraps && after.length > before.length) {
    for (const f of after.slice(0, extra)) markAll(f, result.after.added);
    return result;
  }
  if (action === "decap" && before.length > after.length) {
    for (const f of before.slice(0, extra)) markAll(f, result.before.added);
    return result;
  }
  compareLeaves(before, after, result);
  return result;
}

/** Marks the leaf fields whose values differ between two dissections, layer by layer. */
function compareLeaves(
  before: Field[],
  after: Field[],
  result: { before: FieldMark; after: FieldMark },
): void {
  const b = new Map<string, Field>();
  const a = new Map<string, Field>();
  before.forEach((f, i) => leaves(f, String(i), b));
  after.forEach((f, i) => leaves(f, String(i), a));
  for (const [key, field] of a) {
    const old = b.get(key);
    if (old && old.value !== field.value && (field.children ?? []).length === 0) {
      result.after.changed.add(field);
      result.before.changed.add(old);
    }
  }
}

function markAll(field: Field, set: Set<Field>): void {
  set.add(field);
  for (const c of field.children ?? []) markAll(c, set);
}
