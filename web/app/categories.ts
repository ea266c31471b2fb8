/**
 * The protocol families the view knows, in one table: the event list's filter chips, the colours of
 * envelopes, badges, ladder arrows and anatomy blocks, and which record labels and dissection layers
 * belong to each. A new protocol is one row here (and, if its records carry a new `proto` label, that
 * label in the row's `protos`); nothing else in web/ lists protocols. Pure: no DOM.
 *
 * Colours: the first eight are the Okabe-Ito palette, the later ones Paul Tol's muted scheme, both
 * chosen to stay apart under the common colour-vision deficiencies; every colour is paired with a
 * word (chip, badge, envelope label, block label), so nothing is told by colour alone.
 */

/** One family: a chip, a colour and what files under it. */
export interface CategorySpec {
  id: string;
  /** The chip's text. */
  chip: string;
  /** What the chip shows, for its tooltip ("Show …"). */
  title: string;
  colour: string;
  /** Text colour that reads on `colour` (WCAG AA contrast, checked by hand). */
  ink: string;
  /** Record `proto` labels (src/trace/record.ts) filed under this family. */
  protos: readonly string[];
  /** Dissection layer names (src/wire describe trees) and the short word the anatomy bar uses. */
  layers: readonly (readonly [RegExp, string])[];
}

/** Every family, in chip order. NAT and OTHER are not protocols but are filtered the same way. */
export const CATEGORY_TABLE = [
  {
    id: "IP",
    chip: "IP",
    title: "plain IP (and fragments)",
    colour: "#000000",
    ink: "#ffffff",
    protos: ["IP"],
    layers: [[/^Internet Protocol Version/, "IP"], [/^Fragment data/, "fragment data"]],
  },
  {
    id: "ICMP",
    chip: "ICMP",
    title: "ICMP (ping, errors)",
    colour: "#56B4E9",
    ink: "#000000",
    protos: ["ICMP"],
    layers: [[/^Internet Control Message/, "ICMP"]],
  },
  {
    id: "UDP",
    chip: "UDP",
    title: "UDP (and STUN)",
    colour: "#009E73",
    ink: "#000000",
    protos: ["UDP", "STUN"],
    layers: [[/^User Datagram/, "UDP"], [/^Session Traversal|^STUN/, "STUN"]],
  },
  {
    id: "TCP",
    chip: "TCP",
    title: "TCP (handshakes, segments, acknowledgements)",
    colour: "#117733",
    ink: "#ffffff",
    protos: ["TCP"],
    layers: [[/^Transmission Control/, "TCP"]],
  },
  {
    id: "L2TP",
    chip: "L2TP",
    title: "L2TP",
    colour: "#E69F00",
    ink: "#000000",
    protos: ["L2TP"],
    layers: [[/^Layer 2 Tunneling/, "L2TP"]],
  },
  {
    id: "GRE",
    chip: "GRE/PPTP",
    title: "PPTP control (TCP 1723) and GRE, which carries its PPP",
    colour: "#999933",
    ink: "#000000",
    protos: ["GRE", "PPTP"],
    layers: [[/^Generic Routing/, "GRE"], [/^Point-to-Point Tunnell?ing/, "PPTP"]],
  },
  {
    id: "PPP",
    chip: "PPP",
    title: "PPP (LCP, CHAP, IPCP…)",
    colour: "#F0E442",
    ink: "#000000",
    protos: ["PPP"],
    layers: [
      [/^PPP Link Control/, "LCP"],
      [/^PPP IP Control/, "IPCP"],
      [/^PPP Challenge/, "CHAP"],
      [/^PPP Password/, "PAP"],
      [/^PPP Compression|^PPP CCP/, "CCP"],
      // MPPE (RFC 3078) is PPP's own encryption, so it stays in PPP's family.
      [/^Microsoft Point-to-Point Encryption/, "MPPE"],
      [/^Point-to-Point Protocol/, "PPP"],
    ],
  },
  {
    id: "IKE",
    chip: "IKE",
    title: "IKE (ISAKMP, IKEv1 and IKEv2)",
    colour: "#CC79A7",
    ink: "#000000",
    protos: ["IKE", "IKEv2"],
    layers: [
      [/^Internet Security Association|^ISAKMP/, "IKE"],
      [/^Internet Key Exchange|^IKEv2/, "IKEv2"],
      [/^Non-ESP Marker/, "non-ESP marker"],
    ],
  },
  {
    id: "ESP",
    chip: "ESP",
    title: "ESP (encrypted)",
    colour: "#0072B2",
    ink: "#ffffff",
    protos: ["ESP"],
    layers: [[/^Encapsulating Security/, "ESP header"], [/^NAT-keepalive/, "NAT-T keepalive"]],
  },
  {
    id: "WG",
    chip: "WireGuard",
    title: "WireGuard (handshake, keepalives, data)",
    colour: "#882255",
    ink: "#ffffff",
    protos: ["WG", "WireGuard"],
    layers: [[/^WireGuard/, "WireGuard"]],
  },
  {
    id: "NAT",
    chip: "NAT",
    title: "NAT translations and mappings",
    colour: "#D55E00",
    ink: "#000000",
    protos: ["NAT"],
    layers: [],
  },
  {
    id: "OTHER",
    chip: "Other",
    title: "program output, link changes, device tables",
    colour: "#999999",
    ink: "#000000",
    protos: ["APP", "LINK"],
    layers: [[/^Data$/, "data"]],
  },
] as const satisfies readonly CategorySpec[];

/** A family's id ("IP", "TCP", …). */
export type Category = (typeof CATEGORY_TABLE)[number]["id"];

/** Chip order. */
export const CATEGORIES: readonly Category[] = CATEGORY_TABLE.map((c) => c.id);

const BY_ID = new Map<string, CategorySpec>(CATEGORY_TABLE.map((c) => [c.id, c]));
const BY_PROTO = new Map<string, Category>(
  CATEGORY_TABLE.flatMap((c) => c.protos.map((p) => [p, c.id] as [string, Category])),
);

/** The family a record's `proto` label files under (OTHER for none or an unknown one). */
export function categoryOfProto(proto: string | undefined): Category {
  return (proto !== undefined ? BY_PROTO.get(proto) : undefined) ?? "OTHER";
}

/** The row of a family. */
export function categorySpec(id: Category): CategorySpec {
  return BY_ID.get(id)!;
}

/** The family and short word of a dissection layer by its name, if the table knows it. */
export function layerOf(name: string): { label: string; category: Category } | undefined {
  for (const c of CATEGORY_TABLE) {
    for (const [pattern, label] of c.layers) if (pattern.test(name)) return { label, category: c.id };
  }
  return undefined;
}
