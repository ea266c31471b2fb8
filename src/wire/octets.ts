import type { Field } from "./field.ts";

/** Small readers and formatters shared by the L2TP and PPP wire modules. Callers check bounds first. */

/** Big-endian u16 at `at`. */
export function u16(bytes: Uint8Array, at: number): number {
  return (bytes[at] << 8) | bytes[at + 1];
}

/** Big-endian u32 at `at`, as an unsigned number. */
export function u32(bytes: Uint8Array, at: number): number {
  return ((bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3]) >>> 0;
}

/** Writes a big-endian u16. */
export function put16(bytes: Uint8Array, at: number, value: number): void {
  bytes[at] = (value >>> 8) & 0xff;
  bytes[at + 1] = value & 0xff;
}

/** Writes a big-endian u32. */
export function put32(bytes: Uint8Array, at: number, value: number): void {
  bytes[at] = (value >>> 24) & 0xff;
  bytes[at + 1] = (value >>> 16) & 0xff;
  bytes[at + 2] = (value >>> 8) & 0xff;
  bytes[at + 3] = value & 0xff;
}

/** `0x` plus zero-padded lower-case hex of `digits` digits. */
export function hexNum(value: number, digits: number): string {
  return "0x" + (value >>> 0).toString(16).padStart(digits, "0");
}

/** Bytes as lower-case hex, shortened with an ellipsis past `max` bytes. */
export function hexBytes(bytes: Uint8Array, max = 32): string {
  let out = "";
  for (let i = 0; i < Math.min(bytes.length, max); i++) out += bytes[i].toString(16).padStart(2, "0");
  return bytes.length > max ? out + "…" : out;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: false });

/** Text fields (host names, user names, messages) are octet strings; we use UTF-8. */
export function textBytes(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Decodes an octet string as UTF-8, replacing invalid sequences. */
export function bytesText(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/** A leaf field at absolute offset `start` spanning `length` bytes. */
export function leaf(name: string, value: string, start: number, length: number): Field {
  return { name, value, start, end: start + length };
}

/** Looks a number up in a name table, falling back to "Unknown". */
export function nameOf(table: Record<number, string>, value: number): string {
  return table[value] ?? "Unknown";
}

/** The same field tree moved by `delta` bytes, for a layer described from its own start. */
export function shiftFields(fields: Field[], delta: number): Field[] {
  return fields.map((field) => ({
    ...field,
    start: field.start + delta,
    end: field.end + delta,
    ...(field.children ? { children: shiftFields(field.children, delta) } : {}),
  }));
}
