/**
 * The `pptp-server` kind: a PPTP server (RFC 2637) on TCP 1723 and GRE, running PPP with MS-CHAPv2 and
 * MPPE against its users, handing out pool addresses and routing to its LAN. A kind of its own rather
 * than a mode of `lns`: it shares nothing with L2TP on the wire, only the PPP server behind it.
 */
import { PptpServer, type PptpServerSettings } from "../devices/pptp_server.ts";
import { withMssClamp } from "../devices/mss_clamp.ts";
import { SECOND } from "../engine/time.ts";
import { duration, str } from "../topology/schema.ts";
import { type Agree, defineKind, optional, required, type SettingsOf } from "./kind.ts";
import { pppKeys, users } from "./l2tp_keys.ts";
import { checkPool, pppServerKeys } from "./ppp_server_keys.ts";
import { mssClampKey } from "./tcp_keys.ts";

const keys = {
  hostname: optional(str({ nonEmpty: true })),
  users: required(users()),
  ...pppServerKeys,
  echo: optional(duration(SECOND)),
  ...pppKeys,
  ...mssClampKey,
};

const _agree: Agree<Omit<SettingsOf<typeof keys>, "tcp-mss-clamp">, PptpServerSettings> = true;

/** A PPTP server. */
export const pptpServerKind = defineKind({
  name: "pptp-server",
  summary:
    "a PPTP server: TCP 1723 and GRE, PPP with MS-CHAPv2 and MPPE, hands out pool addresses, routes to its LAN",
  routes: true,
  gateway: true,
  interfacesRequired: true,
  keys,
  commands: ["ping", "udp send", "udp echo"],
  check(node, settings, _model, report, positions) {
    checkPool(node, settings, report, positions, "the server");
  },
  create: (spec, settings, ctx) =>
    withMssClamp(new PptpServer(spec, ctx, settings), settings["tcp-mss-clamp"]),
});
