/**
 * Colours and glyphs. Protocol colours are the Okabe-Ito palette, which stays distinguishable with the
 * common colour-vision deficiencies; every colour is paired with a text label or a glyph, so nothing is
 * told by colour alone.
 */
import type { TraceKind } from "../../src/trace/record.ts";
import type { Category } from "./trace_index.ts";

export const PROTO_COLOURS: Record<Category, string> = {
  IP: "#000000",
  ICMP: "#56B4E9",
  UDP: "#009E73",
  L2TP: "#E69F00",
  PPP: "#F0E442",
  IKE: "#CC79A7",
  ESP: "#0072B2",
  NAT: "#D55E00",
  OTHER: "#999999",
};

/** Text colour that reads on each protocol colour (contrast checked by hand against WCAG AA). */
export const PROTO_INK: Record<Category, string> = {
  IP: "#ffffff",
  ICMP: "#000000",
  UDP: "#000000",
  L2TP: "#000000",
  PPP: "#000000",
  IKE: "#000000",
  ESP: "#ffffff",
  NAT: "#000000",
  OTHER: "#000000",
};

/** Colour for a record's protocol label (APP, LINK and unlabelled records are grey). */
export function protoColour(proto: string | undefined): string {
  return PROTO_COLOURS[(proto ?? "OTHER") as Category] ?? PROTO_COLOURS.OTHER;
}

export function protoInk(proto: string | undefined): string {
  return PROTO_INK[(proto ?? "OTHER") as Category] ?? PROTO_INK.OTHER;
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
