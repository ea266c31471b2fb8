/**
 * The `ikev2:` key that `host` and `router` nodes may carry: one IKEv2 connection with a pre-shared
 * key, as a swanctl.conf `connections` entry would hold it. A road warrior names the `gateway` it dials
 * and the `networks` it wants to reach (its virtual IP comes from the gateway); a gateway names the
 * `pool` it hands addresses from and the `networks` it offers. The loader leaves a complete
 * `Ikev2Config` in `node.config.ikev2`; the kind attaches it with `withIkev2`.
 *
 * ```yaml
 * ikev2:                              # the road warrior
 *   psk: "classroom-secret"
 *   gateway: 203.0.113.10
 *   local-id: laptop@example.org      # default: its own address
 *   remote-id: vpn.example.org        # default: any
 *   networks: [10.10.0.0/24]          # default: 0.0.0.0/0 (everything through the tunnel)
 *   ike: aes128-sha256-modp2048       # strongSwan proposal syntax; also aes256gcm16-prfsha256-curve25519
 *   esp: aes128gcm16,aes128-sha256
 * ikev2:                              # the gateway
 *   psk: "classroom-secret"
 *   local-id: vpn.example.org
 *   pool: 10.99.0.0/24                # clients get .2, .3, …; the gateway's ipsec0 is .1
 *   networks: [10.10.0.0/24]
 *   dns: [10.10.0.53]
 * # both: start (client), ike-lifetime 4h, lifetime 1h, margin 10m, dpd-delay off, encap false,
 * #       keepalive 20s, retransmit {timeout 4s, base 1.8, tries 5}, enabled true
 * ```
 */
import type { Device } from "../devices/device.ts";
import { SECOND } from "../engine/time.ts";
import { parseIp } from "../wire/addr.ts";
import { attachIkev2 } from "../stack/ikev2/attach.ts";
import {
  type Ikev2Config,
  type Ikev2Settings,
  parseIkev2Proposals,
  type Prefix,
  resolveIkev2Config,
} from "../stack/ikev2/config.ts";
import { parseEspProposals } from "../stack/ipsec/proposal_text.ts";
import {
  bool,
  type Ctx,
  describe,
  duration,
  durationOrOff,
  int,
  ipv4,
  list,
  num,
  obj,
  positionsOf,
  prefix as prefixSchema,
  type Schema,
  str,
  type Val,
} from "../topology/schema.ts";
import { proposalText } from "./ipsec_keys.ts";
import { optional, type Report } from "./kind.ts";
import type { SourcePos } from "../topology/model.ts";

const durationOrOffSeconds = durationOrOff(SECOND);
const prefix: Schema<Prefix> = prefixSchema();

const block = obj({
  enabled: bool(),
  psk: str({ nonEmpty: true }),
  gateway: ipv4(),
  pool: prefix,
  "local-id": str({ nonEmpty: true }),
  "remote-id": str({ nonEmpty: true }),
  networks: list(prefix, { min: 1 }),
  dns: list(ipv4()),
  ike: proposalText(parseIkev2Proposals, "aes256-sha256-modp2048,aes128gcm16-prfsha256-curve25519"),
  esp: proposalText(parseEspProposals, "aes128gcm16,aes256-sha256"),
  start: duration(0),
  "ike-lifetime": duration(60 * SECOND),
  lifetime: duration(60 * SECOND),
  margin: duration(0),
  "dpd-delay": durationOrOffSeconds,
  encap: bool(),
  keepalive: durationOrOffSeconds,
  retransmit: obj({ timeout: duration(100_000), base: num(), tries: int(0, 20) }),
}, { required: ["psk"] });

/** Reads the `ikev2:` block into a complete configuration (defaults filled in). */
export const ikev2Schema: Schema<Ikev2Config> = Object.assign((v: Val, ctx: Ctx): Ikev2Config | undefined => {
  if (v.node === null) {
    ctx.error(
      v.pos,
      `ikev2: expected a map like {psk: "secret", gateway: 203.0.113.10}, got ${describe(v.node)}`,
    );
    return undefined;
  }
  const raw = block(v, ctx);
  if (!raw) return undefined;
  const at = positionsOf(raw);
  if ((raw.gateway === undefined) === (raw.pool === undefined)) {
    ctx.error(
      at.gateway ?? at.pool ?? v.pos,
      raw.gateway === undefined
        ? "ikev2: name a gateway (a road warrior dials it) or a pool (a gateway hands out its addresses)"
        : "ikev2: a node is either a road warrior (gateway) or a gateway (pool), not both",
    );
    return undefined;
  }
  const role = raw.gateway !== undefined ? "client" : "server";
  if (role === "client") {
    for (const key of ["dns"] as const) {
      if (raw[key] !== undefined) {
        ctx.error(
          at[key] ?? v.pos,
          `ikev2: ${key} is the gateway's to hand out; a road warrior cannot set it`,
        );
        return undefined;
      }
    }
  } else if (raw.start !== undefined) {
    ctx.error(at.start ?? v.pos, "ikev2: start is when a road warrior dials; a gateway waits for clients");
    return undefined;
  }
  const lifetime = raw.lifetime ?? 3600 * SECOND;
  const ikeLifetime = raw["ike-lifetime"] ?? 4 * 3600 * SECOND;
  if (raw.margin !== undefined && raw.margin >= Math.min(lifetime, ikeLifetime)) {
    ctx.error(
      at.margin ?? v.pos,
      "ikev2: margin must be shorter than lifetime and ike-lifetime (rekeying happens that long before they end)",
    );
    return undefined;
  }
  const settings: Ikev2Settings = { role, psk: raw.psk! };
  if (raw.enabled !== undefined) settings.enabled = raw.enabled;
  if (raw.gateway !== undefined) settings.gateway = parseIp(raw.gateway)!;
  if (raw.pool) settings.pool = raw.pool;
  if (raw["local-id"] !== undefined) settings.localId = raw["local-id"];
  if (raw["remote-id"] !== undefined) settings.remoteId = raw["remote-id"];
  if (raw.networks) settings.networks = raw.networks;
  if (raw.dns) settings.dns = raw.dns.map((d) => parseIp(d)!);
  if (raw.ike) settings.ike = raw.ike;
  if (raw.esp) settings.esp = raw.esp;
  if (raw.start !== undefined) settings.startAt = raw.start;
  settings.ikeLifetime = ikeLifetime;
  settings.espLifetime = lifetime;
  if (raw.margin !== undefined) settings.margin = raw.margin;
  if (raw["dpd-delay"] !== undefined) settings.dpdDelay = raw["dpd-delay"];
  if (raw.encap !== undefined) settings.encap = raw.encap;
  if (raw.keepalive !== undefined) settings.keepalive = raw.keepalive;
  if (raw.retransmit) settings.retransmit = raw.retransmit;
  return resolveIkev2Config(settings);
}, { fields: block.fields });

/** The `ikev2` key of the kinds that can run IKEv2. */
export const ikev2Key = { ikev2: optional(ikev2Schema) };

/** One IKE daemon per node: `ipsec:` (IKEv1) and `ikev2:` would both own UDP 500 and 4500. */
export function checkOneIke(
  settings: { ipsec?: unknown; ikev2?: unknown },
  report: Report,
  positions: Record<string, SourcePos>,
): void {
  if (settings.ipsec && settings.ikev2) {
    report(
      positions.ikev2,
      "ikev2: this node already runs IKEv1 (ipsec:); one IKE daemon per node owns UDP 500 and 4500",
    );
  }
}

/** Gives `device` the IKEv2 daemon of its settings, if any, once the device is complete. */
export function withIkev2<D extends Device>(device: D, ikev2: Ikev2Config | undefined): D {
  if (ikev2) attachIkev2(device, ikev2);
  return device;
}
