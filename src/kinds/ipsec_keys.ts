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
 *   ike: {encryption: aes128, hash: sha1, group: modp2048}
 *   esp: {encryption: aes128-cbc, integrity: hmac-sha1-96}
 *   keepalive: 20s                 # or off
 * ```
 */
import { SECOND } from "../engine/time.ts";
import {
  DH_GROUPS,
  ESP_CIPHERS,
  ESP_ENCRYPTIONS,
  ESP_INTEGRITIES,
  IKE_ENCRYPTIONS,
  IKE_HASHES,
  type IpsecConfig,
  type IpsecSettings,
  NAT_T_MODES,
  resolveIpsecConfig,
} from "../stack/ipsec/config.ts";
import type { Device } from "../devices/device.ts";
import { attachIpsec } from "../stack/ipsec/attach.ts";
import {
  bool,
  type Ctx,
  describe,
  duration,
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

/** A duration, or `off` (also 0) for none. */
const durationOrOff: Schema<number> = (v, ctx) => {
  const node = v.node as { value?: unknown } | null;
  if (node && (node.value === "off" || node.value === 0)) return 0;
  return duration(SECOND)(v, ctx);
};

const ipsecBlock = obj({
  enabled: bool(),
  psk: str({ nonEmpty: true }),
  peers,
  "nat-t": oneOf(NAT_T_MODES),
  ike,
  esp,
  keepalive: durationOrOff,
}, { required: ["psk"] });

/** Reads the `ipsec:` block into a complete configuration (defaults filled in). */
export const ipsecSchema: Schema<IpsecConfig> = Object.assign((v: Val, ctx: Ctx): IpsecConfig | undefined => {
  if (v.node === null) {
    ctx.error(v.pos, `ipsec: expected a map like {psk: "secret", peers: any}, got ${describe(v.node)}`);
    return undefined;
  }
  const raw = ipsecBlock(v, ctx);
  if (!raw) return undefined;
  if (raw.esp?.integrity !== undefined && raw.esp.encryption && ESP_CIPHERS[raw.esp.encryption].aead) {
    const at = positionsOf(raw.esp).integrity ?? v.pos;
    ctx.error(at, `ipsec: ${raw.esp.encryption} authenticates by itself; remove esp.integrity`);
    return undefined;
  }
  const settings: IpsecSettings = { psk: raw.psk };
  if (raw.enabled !== undefined) settings.enabled = raw.enabled;
  if (raw.peers !== undefined) settings.peers = raw.peers;
  if (raw["nat-t"] !== undefined) settings.natT = raw["nat-t"];
  if (raw.ike) settings.ike = raw.ike;
  if (raw.esp) settings.esp = raw.esp;
  if (raw.keepalive !== undefined) settings.keepalive = raw.keepalive;
  return resolveIpsecConfig(settings);
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
