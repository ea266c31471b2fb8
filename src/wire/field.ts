/**
 * A node of the field tree the inspector shows (Wireshark's details pane): a name, a readable value,
 * and the byte range [start, end) within the outermost packet, so hovering a field can light up its
 * bytes and the other way round.
 */
export interface Field {
  name: string;
  value: string;
  start: number;
  end: number;
  children?: Field[];
}

/** The result of decoding untrusted bytes: decoders never throw past the engine. */
export type Decoded<T> = { ok: true; value: T } | { ok: false; error: string };

export const ok = <T>(value: T): Decoded<T> => ({ ok: true, value });
export const fail = <T>(error: string): Decoded<T> => ({ ok: false, error });
