/**
 * Which authentication party runs for the protocol LCP agreed on: CHAP-MD5, MS-CHAPv2 or PAP, as the
 * authenticator or as the peer. Apart from the session so a new method is one line here.
 */
import {
  type AuthHost,
  type AuthParty,
  type AuthRecord,
  type AuthServer,
  ChapClient,
  ChapServer,
  PapClient,
  PapServer,
} from "./auth.ts";
import type { FsmTimers } from "./automaton.ts";
import type { AuthOutcome } from "./auth.ts";
import type { AuthKind } from "./lcp.ts";
import type { PppHost } from "./session_config.ts";
import type { PppTrace } from "./session_trace.ts";
import { encodePpp, PPP_PROTOCOL_NAMES } from "../../wire/ppp.ts";
import { hexNum } from "../../wire/octets.ts";
import { MsChapV2Client, MsChapV2Server } from "./mschapv2.ts";

/** The peer's side of `kind`. */
export function authClient(kind: AuthKind, host: AuthHost, user: string, password?: string): AuthParty {
  if (kind === "mschapv2") return new MsChapV2Client(host, user, password);
  return kind === "chap" ? new ChapClient(host, user, password) : new PapClient(host, user, password);
}

/** The authenticator's side of `kind`; `handoff` (a LAC) takes the response instead of checking it. */
export function authServer(
  kind: AuthKind,
  host: AuthHost,
  name: string,
  users: Record<string, string>,
  handoff?: (record: AuthRecord) => void,
): AuthServer {
  if (kind === "mschapv2") return new MsChapV2Server(host, name, users);
  return kind === "chap" ? new ChapServer(host, name, users, handoff) : new PapServer(host, users, handoff);
}

/** Starts `server`: a response a LAC collected (proxy authentication) is checked at once, else a Challenge goes out. */
export function startServer(
  server: AuthServer,
  kind: AuthKind,
  proxied: AuthRecord | undefined,
  log: (message: string) => void,
): void {
  if (proxied && proxied.type === kind) {
    log(`checking proxy ${kind === "chap" ? "CHAP" : "PAP"} authentication of ${proxied.name} from the LAC`);
    server.adoptProxy(proxied);
    return;
  }
  if (proxied) {
    log(
      `proxy authentication used ${proxied.type.toUpperCase()}, not ${kind.toUpperCase()}: authenticating again`,
    );
  }
  server.start();
}

/** What an authentication party gets from its session: timers, the frame sender, the trace. */
export function authHostFor(
  host: PppHost,
  timers: FsmTimers,
  trace: PppTrace,
  send: (frame: Uint8Array) => void,
  done: (outcome: AuthOutcome) => void,
): AuthHost {
  return {
    sched: host.sched,
    rng: host.rng,
    restartTimer: timers.restartTimer,
    maxTransmits: timers.maxConfigure,
    send: (protocol, payload) => send(encodePpp({ protocol, payload })),
    log: (message) => trace.log(message),
    discard: (reason, protocol) => trace.drop(reason, PPP_PROTOCOL_NAMES[protocol] ?? hexNum(protocol, 4)),
    done,
  };
}
