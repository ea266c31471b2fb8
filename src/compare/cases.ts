/**
 * The protocols `sim compare` runs, one row each, and the variants of their lessons it measures with.
 * Adding a protocol is one entry in `CASES`: its lesson (a home-to-office network with a `laptop`
 * behind `home-router`, an `isp` router, an `access` link and a `server` at 10.10.0.5), the script line
 * that starts its tunnel, and what an attacker on the path needs (from the protocol's design: no run
 * can measure that).
 */

/** One protocol of the comparison. */
export interface ProtocolCase {
  name: string;
  file: string;
  /** The script line that starts the tunnel at 1 s, if the protocol needs one. */
  connect?: string;
  /** Edits to the lesson beyond the script (WireGuard: no persistent keepalive, so the ping starts it). */
  edit?: (text: string) => string;
  keys: string;
}

/** Every protocol, in the table's column order. */
export const CASES: readonly ProtocolCase[] = [
  {
    name: "L2TP",
    file: "l2tp-voluntary.yaml",
    connect: "{ at: 1s, node: laptop, do: vpn connect office }",
    keys: "nothing (cleartext)",
  },
  {
    name: "L2TP/IPsec",
    file: "ipsec-nat-t-fixes-it.yaml",
    connect: "{ at: 1s, node: laptop, do: vpn connect office }",
    keys: "the IPsec PSK",
  },
  {
    name: "WireGuard",
    file: "wireguard-home-router.yaml",
    edit: (text) => text.replace(/persistent-keepalive: \S+/g, "persistent-keepalive: off"),
    keys: "a static private key",
  },
  {
    name: "IKEv2",
    file: "ikev2-road-warrior.yaml",
    // It dials at 1 s as the others start; with no trap policy the ping of that instant leaves in clear.
    edit: (text) => text.replace("gateway: 203.0.113.10\n", "gateway: 203.0.113.10\n      start: 1s\n"),
    keys: "the IKEv2 PSK",
  },
  {
    name: "PPTP",
    file: "pptp-broken.yaml",
    connect: "{ at: 1s, node: laptop, do: pptp connect office }",
    keys: "the user's password: a dictionary word falls to the capture, any other to one 2^56 DES search",
  },
];

/** How a variant differs from the lesson: another NAT preset, an extra NAT line, a firewall, a slow link. */
export interface VariantEdit {
  preset?: string;
  natLine?: string;
  /** The `isp` router becomes a firewall that lets out only TCP to port 443 (and the replies in). */
  only443?: boolean;
  /** The `access` link's bandwidth, like `10Mbps`. */
  accessBandwidth?: string;
}

const ONLY_443 = `    kind: firewall
    inside: [sub0]
    policy: drop
    rules:
      - { name: https-out, action: accept, proto: tcp, dst-port: 443, direction: out }
      - { name: replies, action: accept, established: true, direction: in }
`;

/** A lesson with its script replaced (its story and checks go with it) and `edit` applied. */
export function variant(text: string, script: string[], edit: VariantEdit = {}, duration = "25s"): string {
  let out = text.slice(0, text.search(/^script:/m)).replace(/^lesson:\n(?:[ \t].*\n|\n)*/m, "");
  if (edit.preset) out = out.replace(/preset: home-router/, `preset: ${edit.preset}`);
  if (edit.natLine) {
    out = out.replace(
      /^(\s*)preset: (\S+)$/m,
      (_m, indent, p) => `${indent}preset: ${p}\n${indent}${edit.natLine}`,
    );
  }
  if (edit.only443) out = out.replace(/^( {2}isp:\n) {4}kind: router\n/m, `$1${ONLY_443}`);
  if (edit.accessBandwidth) {
    out = out.replace(/(\{ name: access, [^}]*?)\s*\}/, `$1, bandwidth: ${edit.accessBandwidth} }`);
  }
  out = out.replace(/^duration: .*$/m, `duration: ${duration}`);
  return `${out}script:\n${script.map((line) => `  - ${line}`).join("\n")}\n`;
}
