/**
 * The `ipsec:` key that `host`, `router` and `lns` nodes may carry: L2TP/IPsec's pre-shared key,
 * peers, NAT-T mode and algorithms. The loader leaves a complete `IpsecConfig` in
 * `node.config.ipsec`; the kind attaches it to the device it built with `withIpsec`.
 *
 * ```yaml
 * ipsec:
 *   psk: "classroom-secret"
 *   peers: [203.0.113.10]          # or `any` on a server
 *   nat-t: auto                    # auto | force | off
 *   ike: {encryption: aes128, hash: sha1, group: modp2048}   # or "aes256-sha256-modp2048,aes128-sha1-modp2048"
 *   esp: {encryption: aes128-cbc, integrity: hmac-sha1-96}   # or [aes256-sha256, aes128-sha1]
 *   keepalive: 20s                 # or off
 *   dpd: {delay: 30s, timeout: 150s, action: clear}          # clear | restart; delay 0 (default): off
 *   behaviour: strongswan          # or one-sa-per-address (older servers)
 *   ikelifetime: 3h                # ISAKMP SA; lifetime: 1h for ESP; margintime: 9m; rekey: true
 *   aggressive: false              # true: Aggressive Mode (initiator), accepted (responder)
 *   client: windows                # windows | macos | strongswan | xl2tpd: that client's offer
 *   assume-udp-encapsulation: 0    # Windows' registry value: 0, 1 (server behind NAT) or 2 (both); only
 *                                  # client: windows has that rule, so other clients ignore it
 * ```
 */
import { isSeq } from "yaml";
import { SECOND } from "../engine/time.ts";
import {
  DH_GROUPS,
  DPD_ACTIONS,
  ESP_CIPHERS,
  ESP_ENCRYPTIONS,
  ESP_INTEGRITIES,
  IKE_ENCRYPTIONS,
  IKE_HASHES,
  type IpsecConfig,
  type IpsecSettings,
  NAT_T_MODES,
  type ProposalSettings,
  resolveIpsecConfig,
  SERVER_BEHAVIOURS,
} from "../stack/ipsec/config.ts";
import { parseEspProposals, parseIkeProposals } from "../stack/ipsec/proposal_text.ts";
import { type AssumeUdpEncapsulation, CLIENT_PROFILES } from "../stack/ipsec/client_profiles.ts";
import type { Decoded } from "../wire/field.ts";
import type { Device } from "../devices/device.ts";
import { attachIpsec } from "../stack/ipsec/attach.ts";
import {
  bool,
  type Ctx,
  describe,
  duration,
  durationOrOff,
  int,
  ipv4,
  list,
  obj,
  oneOf,
  positionsOf,
  type Schema,
  str,
  type Val,
} from "../topology/schema.ts";
import { optional } from "./kind.ts";

const ike = obj({
  encryption: oneOf(IKE_ENCRYPTIONS),
  hash: oneOf(IKE_HASHES),
  group: oneOf(DH_GROUPS),
  lifetime: duration(60 * SECOND),
});

const esp = obj({
  encryption: oneOf(ESP_ENCRYPTIONS),
  integrity: oneOf(ESP_INTEGRITIES),
  lifetime: duration(60 * SECOND),
});

/**
 * A strongSwan-style proposal string, read now by the parser that will use it, so a typo is reported at
 * its file:line:col with an example to copy rather than when the daemon starts. The IKEv2 block's
 * strings are checked the same way.
 */
export function proposalText<P>(parse: (text: string) => Decoded<P[]>, example: string): Schema<string> {
  return (v, ctx) => {
    const text = str()(v, ctx);
    if (text === undefined) return undefined;
    const parsed = parse(text);
    if (!parsed.ok) {
      ctx.error(v.pos, `${v.label}: ${parsed.error}; write proposals like "${example}"`);
      return undefined;
    }
    return text;
  };
}

/**
 * Proposals: the map above, a strongSwan-style string (`aes256-sha256-modp2048,aes128-sha1-modp2048`), or
 * a list of such strings and maps.
 */
function proposals<P, M extends object>(
  map: Schema<M>,
  parse: (text: string) => Decoded<P[]>,
  example: string,
): Schema<ProposalSettings<P>> {
  const text = proposalText(parse, example);
  const one: Schema<string | M> = (v, ctx) =>
    typeof (v.node as { value?: unknown } | null)?.value === "string" ? text(v, ctx) : map(v, ctx);
  const many = list(one, { min: 1 });
  return Object.assign((v: Val, ctx: Ctx): ProposalSettings<P> | undefined => {
    const isList = v.node !== null && isSeq(v.node);
    const read = isList ? many(v, ctx) : one(v, ctx);
    return read as ProposalSettings<P> | undefined;
  }, { fields: map.fields });
}

const dpd = obj({
  delay: durationOrOff(SECOND),
  timeout: duration(SECOND),
  action: oneOf(DPD_ACTIONS),
});

/** `any`, or a list of peer addresses. */
const peers: Schema<string[] | "any"> = (v, ctx) => {
  const node = v.node as { value?: unknown } | null;
  if (node && typeof node.value === "string") {
    if (node.value === "any") return "any";
    ctx.error(
      v.pos,
      `${v.label}: expected a list of addresses like [203.0.113.10] or any, got "${node.value}"`,
    );
    return undefined;
  }
  return list(ipv4(), { min: 1 })(v, ctx);
};

const durationOrOffSeconds = durationOrOff(SECOND);

/** true or false; `yes` and `no` too, as strongSwan's and libreswan's own files write them. */
const yesNo: Schema<boolean> = (v, ctx) => {
  const node = v.node as { value?: unknown } | null;
  if (node && (node.value === "yes" || node.value === "no")) return node.value === "yes";
  return bool()(v, ctx);
};

const ipsecBlock = obj({
  enabled: bool(),
  psk: str({ nonEmpty: true }),
  peers,
  "nat-t": oneOf(NAT_T_MODES),
  behaviour: oneOf(SERVER_BEHAVIOURS),
  ike: proposals(ike, parseIkeProposals, "aes256-sha256-modp2048,aes128-sha1-modp2048"),
  esp: proposals(esp, parseEspProposals, "aes256-sha256,aes128-sha1"),
  keepalive: durationOrOffSeconds,
  dpd,
  ikelifetime: duration(60 * SECOND),
  lifetime: duration(60 * SECOND),
  margintime: duration(0),
  rekey: bool(),
  aggressive: yesNo,
  client: oneOf(CLIENT_PROFILES),
  "assume-udp-encapsulation": int(0, 2),
}, { required: ["psk"] });

/** Reads the `ipsec:` block into a complete configuration (defaults filled in). */
export const ipsecSchema: Schema<IpsecConfig> = Object.assign((v: Val, ctx: Ctx): IpsecConfig | undefined => {
  if (v.node === null) {
    ctx.error(v.pos, `ipsec: expected a map like {psk: "secret", peers: any}, got ${describe(v.node)}`);
    return undefined;
  }
  const raw = ipsecBlock(v, ctx);
  if (!raw) return undefined;
  const espMaps = typeof raw.esp === "string"
    ? []
    : Array.isArray(raw.esp)
    ? raw.esp
    : raw.esp
    ? [raw.esp]
    : [];
  for (const map of espMaps) {
    if (typeof map === "string") continue;
    if (map.integrity !== undefined && map.encryption && ESP_CIPHERS[map.encryption].aead) {
      const at = positionsOf(map).integrity ?? v.pos;
      ctx.error(at, `ipsec: ${map.encryption} authenticates by itself; remove esp.integrity`);
      return undefined;
    }
  }
  const settings: IpsecSettings = { psk: raw.psk };
  if (raw.client !== undefined) settings.client = raw.client;
  if (raw.aggressive !== undefined) settings.aggressive = raw.aggressive;
  if (raw["assume-udp-encapsulation"] !== undefined) {
    settings.assumeUdpEncapsulation = raw["assume-udp-encapsulation"] as AssumeUdpEncapsulation;
  }
  if (raw.enabled !== undefined) settings.enabled = raw.enabled;
  if (raw.peers !== undefined) settings.peers = raw.peers;
  if (raw["nat-t"] !== undefined) settings.natT = raw["nat-t"];
  if (raw.ike) settings.ike = raw.ike;
  if (raw.esp) settings.esp = raw.esp;
  if (raw.keepalive !== undefined) settings.keepalive = raw.keepalive;
  if (raw.behaviour !== undefined) settings.behaviour = raw.behaviour;
  if (raw.dpd) settings.dpd = raw.dpd;
  if (raw.rekey !== undefined) settings.rekey = raw.rekey;
  if (raw.margintime !== undefined) settings.margin = raw.margintime;
  const config = resolveIpsecConfig(settings);
  // strongSwan's names for the two lifetimes; they win over a lifetime inside the ike/esp map.
  if (raw.ikelifetime !== undefined) config.ike.lifetime = raw.ikelifetime;
  if (raw.lifetime !== undefined) config.esp.lifetime = raw.lifetime;
  return config;
}, { fields: ipsecBlock.fields });

/** The `ipsec` key of the kinds that can run L2TP/IPsec. */
export const ipsecKey = { ipsec: optional(ipsecSchema) };

/**
 * Gives `device` the IPsec of its settings, if any. IPsec sits under whatever the kind built (its hooks
 * wrap the kind's), so it is attached once the device is complete.
 */
export function withIpsec<D extends Device>(device: D, ipsec: IpsecConfig | undefined): D {
  if (ipsec) attachIpsec(device, ipsec);
  return device;
}
