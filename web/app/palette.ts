/**
 * Colours and glyphs. Protocol colours come from the family table (categories.ts); every colour is
 * paired with a text label or a glyph, so nothing is told by colour alone.
 */
import type { TraceKind } from "../../src/trace/record.ts";
import { type Category, CATEGORY_TABLE, categoryOfProto, categorySpec } from "./categories.ts";

/** Each family's colour (the table in categories.ts is where they are chosen). */
export const PROTO_COLOURS = Object.fromEntries(CATEGORY_TABLE.map((c) => [c.id, c.colour])) as Record<
  Category,
  string
>;

/** Text colour that reads on each family's colour. */
export const PROTO_INK = Object.fromEntries(CATEGORY_TABLE.map((c) => [c.id, c.ink])) as Record<
  Category,
  string
>;

/** Colour for a record's protocol label (APP, LINK, unlabelled and unknown records are grey). */
export function protoColour(proto: string | undefined): string {
  return categorySpec(categoryOfProto(proto)).colour;
}

export function protoInk(proto: string | undefined): string {
  return categorySpec(categoryOfProto(proto)).ink;
}

/** A glyph and a word for each kind of record, as shown in the event list. */
export const KIND_GLYPHS: Record<TraceKind, string> = {
  tx: "→",
  rx: "←",
  forward: "↷",
  deliver: "✓",
  drop: "✕",
  nat: "⇄",
  encap: "⊕",
  decap: "⊖",
  state: "≡",
  app: "▸",
  link: "⚡",
};

/** Shorter words for the event list's narrow column. */
export const KIND_SHORT: Record<TraceKind, string> = {
  tx: "sent",
  rx: "received",
  forward: "forwarded",
  deliver: "delivered",
  drop: "DROPPED",
  nat: "NAT",
  encap: "encap",
  decap: "decap",
  state: "table",
  app: "output",
  link: "link",
};

export const KIND_WORDS: Record<TraceKind, string> = {
  tx: "sent",
  rx: "received",
  forward: "forwarded",
  deliver: "delivered",
  drop: "DROPPED",
  nat: "NAT",
  encap: "encapsulated",
  decap: "decapsulated",
  state: "table",
  app: "output",
  link: "link",
};
