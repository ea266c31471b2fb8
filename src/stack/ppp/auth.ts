import { bytesEqual, chapResponse, utf8 } from "../../crypto/index.ts";
import type { Prng } from "../../engine/prng.ts";
import type { Scheduler, Timer } from "../../engine/scheduler.ts";
import type { Micros } from "../../engine/time.ts";
import { decodeChap } from "../../wire/chap.ts";
import { bytesText } from "../../wire/octets.ts";
import { decodePap, encodePap } from "../../wire/pap.ts";
import { PPP_CHAP, PPP_PAP } from "../../wire/ppp.ts";
import { ChapAnswer, ChapChallenge } from "./chap_exchange.ts";
import type { AuthKind } from "./lcp.ts";

/**
 * The authentication phase (RFC 1661 §3.5): CHAP-MD5 (RFC 1994) and PAP (RFC 1334), each as the
 * authenticator (server) or the peer (client). Messages and log lines follow pppd.
 */

/** What the authenticator saw from the peer; a LAC forwards it in proxy auth AVPs (RFC 2661 §4.4.5). */
export interface AuthRecord {
  type: AuthKind;
  name: string;
  /** CHAP: the Challenge value we sent. */
  challenge?: Uint8Array;
  /** CHAP: the Identifier of the Challenge; PAP: that of the Authenticate-Request. */
  id?: number;
  /** CHAP: the Response value; PAP: the password as sent. */
  response: Uint8Array;
}

/** How the phase ended for this side. */
export type AuthOutcome =
  /** `mppeMaster`: MS-CHAPv2's MPPE master key (RFC 3079 §3.4), for CCP to derive the session keys. */
  | { ok: true; user?: string; mppeMaster?: Uint8Array }
  /** `reason` explains the failure; `terminate` is the short text for LCP's Terminate-Request. */
  | { ok: false; reason: string; terminate: string };

/** What an authentication party needs from the session. */
export interface AuthHost {
  sched: Scheduler;
  rng: Prng;
  /** Retransmission interval (pppd: 3 s for both CHAP and PAP). */
  restartTimer: Micros;
  /** Transmissions before giving up (pppd: 10). */
  maxTransmits: number;
  send(protocol: number, payload: Uint8Array): void;
  log(message: string): void;
  discard(reason: string, protocol: number): void;
  done(outcome: AuthOutcome): void;
}

/** One side of one authentication protocol. */
export interface AuthParty {
  readonly kind: AuthKind;
  start(): void;
  input(payload: Uint8Array): void;
  /** Cancels timers; the party still answers retransmissions afterwards where RFCs ask it to. */
  stop(): void;
}

/** The authenticator's side also exposes what the peer sent. */
export interface AuthServer extends AuthParty {
  readonly record?: AuthRecord;
  /** Verifies a response a LAC collected (proxy authentication) and sends our verdict to the peer. */
  adoptProxy(record: AuthRecord): void;
}

/** Why `record` does not authenticate against `users`, or undefined when it does. */
export function checkAuth(record: AuthRecord, users: Record<string, string>): string | undefined {
  if (!Object.hasOwn(users, record.name)) return `unknown user "${record.name}"`;
  const secret = users[record.name];
  if (record.type === "pap") return bytesText(record.response) === secret ? undefined : "wrong password";
  if (record.challenge === undefined || record.id === undefined) return "no CHAP challenge to check against";
  return bytesEqual(chapResponse(record.id, secret, record.challenge), record.response)
    ? undefined
    : "wrong secret";
}

const CHAP_OK = "Access granted";
const CHAP_BAD = "Access denied";
const PAP_OK = "Login ok";
const PAP_BAD = "Login incorrect";

/** pppd's reason when it fails to authenticate to the peer. */
const SELF_FAILED = "Failed to authenticate ourselves to peer";
/** pppd's reason when the peer fails to authenticate. */
const PEER_FAILED = "Authentication failed";

/** Server side of CHAP: Challenge (retransmitted), verify, Success or Failure. */
export class ChapServer implements AuthServer {
  readonly kind = "chap";
  record?: AuthRecord;
  #host: AuthHost;
  #users: Record<string, string>;
  #handoff?: (record: AuthRecord) => void;
  #challenge: ChapChallenge;

  /** With `handoff`, the response is handed over (LAC) instead of being verified. */
  constructor(
    host: AuthHost,
    name: string,
    users: Record<string, string>,
    handoff?: (record: AuthRecord) => void,
  ) {
    this.#host = host;
    this.#users = users;
    this.#handoff = handoff;
    this.#challenge = new ChapChallenge(host, name, "CHAP");
  }

  start(): void {
    this.#challenge.start();
  }

  input(payload: Uint8Array): void {
    const packet = this.#challenge.response(payload);
    if (!packet) return;
    this.stop();
    this.record = {
      type: "chap",
      name: packet.name,
      challenge: this.#challenge.value,
      id: packet.id,
      response: packet.value,
    };
    if (this.#handoff) return this.#handoff(this.record);
    this.#verify(this.record);
  }

  adoptProxy(record: AuthRecord): void {
    this.#challenge.adopt(record.id ?? 0, record.challenge ?? new Uint8Array(0));
    this.record = record;
    this.#verify(record);
  }

  #verify(record: AuthRecord): void {
    const why = checkAuth(record, this.#users);
    this.#challenge.judge(why === undefined ? "success" : "failure", why === undefined ? CHAP_OK : CHAP_BAD);
    if (why === undefined) {
      this.#host.log(`CHAP peer authentication succeeded for ${record.name}`);
      this.#host.done({ ok: true, user: record.name });
    } else {
      this.#host.log(`CHAP peer authentication failed for ${record.name}`);
      this.#host.done({
        ok: false,
        reason: `CHAP authentication of "${record.name}" failed: ${why}`,
        terminate: PEER_FAILED,
      });
    }
  }

  stop(): void {
    this.#challenge.stop();
  }
}

/** Peer side of CHAP: answer each Challenge with MD5(id ‖ secret ‖ challenge). */
export class ChapClient implements AuthParty {
  readonly kind = "chap";
  #host: AuthHost;
  #user: string;
  #secret?: string;
  #answer: ChapAnswer;
  #finished = false;

  constructor(host: AuthHost, user: string, secret: string | undefined) {
    this.#host = host;
    this.#user = user;
    this.#secret = secret;
    this.#answer = new ChapAnswer(host);
  }

  /** The peer waits for the authenticator's Challenge. */
  start(): void {}

  input(payload: Uint8Array): void {
    const decoded = decodeChap(payload);
    if (!decoded.ok) return this.#host.discard(decoded.error, PPP_CHAP);
    const packet = decoded.value;
    switch (packet.kind) {
      case "challenge": {
        if (this.#secret === undefined) {
          this.#host.log(`No CHAP secret found for authenticating us to ${packet.name || "the peer"}`);
          this.#finish({ ok: false, reason: "no CHAP secret configured", terminate: SELF_FAILED });
          return;
        }
        this.#answer.send({
          kind: "response",
          id: packet.id,
          value: chapResponse(packet.id, this.#secret, packet.value),
          name: this.#user,
        });
        return;
      }
      case "success":
      case "failure": {
        if (!this.#answer.answers(packet.id)) {
          return this.#host.discard(
            `CHAP ${packet.kind} id ${packet.id} does not match our Response`,
            PPP_CHAP,
          );
        }
        this.stop();
        if (this.#finished) return;
        if (packet.kind === "success") {
          this.#host.log("CHAP authentication succeeded");
          this.#finish({ ok: true, user: this.#user });
        } else {
          this.#host.log(`CHAP authentication failed${packet.message ? ` (${packet.message})` : ""}`);
          this.#finish({
            ok: false,
            reason: `CHAP authentication failed: the peer answered Failure${
              packet.message ? ` "${packet.message}"` : ""
            } (wrong password for "${this.#user}"?)`,
            terminate: SELF_FAILED,
          });
        }
        return;
      }
      default:
        return this.#host.discard("CHAP Response from the peer: we are not the authenticator", PPP_CHAP);
    }
  }

  #finish(outcome: AuthOutcome): void {
    this.#finished = true;
    this.#host.done(outcome);
  }

  stop(): void {
    this.#answer.stop();
  }
}

/** Server side of PAP: wait for Authenticate-Request, check the user table, Ack or Nak. */
export class PapServer implements AuthServer {
  readonly kind = "pap";
  record?: AuthRecord;
  #host: AuthHost;
  #users: Record<string, string>;
  #handoff?: (record: AuthRecord) => void;
  #timer?: Timer;
  #status?: boolean;

  /** With `handoff`, the request is handed over (LAC) instead of being verified. */
  constructor(host: AuthHost, users: Record<string, string>, handoff?: (record: AuthRecord) => void) {
    this.#host = host;
    this.#users = users;
    this.#handoff = handoff;
  }

  start(): void {
    this.#status = undefined;
    // pppd's pap-max-authreq wait: the peer must send a request within the retransmission budget.
    this.#timer = this.#host.sched.after(this.#host.restartTimer * this.#host.maxTransmits, () => {
      this.#host.log("No PAP Authenticate-Request received from the peer");
      this.#host.done({
        ok: false,
        reason: "the peer never sent a PAP Authenticate-Request",
        terminate: PEER_FAILED,
      });
    });
  }

  input(payload: Uint8Array): void {
    const decoded = decodePap(payload);
    if (!decoded.ok) return this.#host.discard(decoded.error, PPP_PAP);
    const packet = decoded.value;
    if (packet.kind !== "auth-req") {
      return this.#host.discard(`PAP ${packet.kind} from the peer: we are the authenticator`, PPP_PAP);
    }
    if (this.#status !== undefined) {
      this.#sendStatus(packet.id);
      return;
    }
    this.stop();
    this.record = { type: "pap", name: packet.peerId, id: packet.id, response: utf8(packet.password) };
    if (this.#handoff) return this.#handoff(this.record);
    this.#verify(this.record);
  }

  adoptProxy(record: AuthRecord): void {
    this.record = record;
    this.#verify(record);
  }

  #verify(record: AuthRecord): void {
    const why = checkAuth(record, this.#users);
    this.#status = why === undefined;
    this.#sendStatus(record.id ?? 0);
    if (why === undefined) {
      this.#host.log(`PAP peer authentication succeeded for ${record.name}`);
      this.#host.done({ ok: true, user: record.name });
    } else {
      this.#host.log(`PAP peer authentication failed for ${record.name}`);
      this.#host.done({
        ok: false,
        reason: `PAP authentication of "${record.name}" failed: ${why}`,
        terminate: PEER_FAILED,
      });
    }
  }

  #sendStatus(id: number): void {
    const kind = this.#status ? "auth-ack" : "auth-nak";
    this.#host.send(PPP_PAP, encodePap({ kind, id, message: this.#status ? PAP_OK : PAP_BAD }));
  }

  stop(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
  }
}

/** Peer side of PAP: send Authenticate-Request until Ack or Nak (a new Identifier each time, as pppd). */
export class PapClient implements AuthParty {
  readonly kind = "pap";
  #host: AuthHost;
  #user: string;
  #password: string;
  #ids = new Set<number>();
  #nextId: number;
  #sent = 0;
  #timer?: Timer;
  #finished = false;

  constructor(host: AuthHost, user: string, password: string | undefined) {
    this.#host = host;
    this.#user = user;
    this.#password = password ?? "";
    this.#nextId = 1;
  }

  start(): void {
    this.#sent = 0;
    this.#ids.clear();
    this.#finished = false;
    this.#send();
  }

  #send(): void {
    if (this.#sent >= this.#host.maxTransmits) {
      this.#host.log("No response to PAP authenticate-requests");
      this.#finish({ ok: false, reason: "no response to PAP Authenticate-Requests", terminate: SELF_FAILED });
      return;
    }
    this.#sent++;
    const id = this.#nextId;
    this.#nextId = (this.#nextId + 1) & 0xff;
    this.#ids.add(id);
    this.#host.send(
      PPP_PAP,
      encodePap({ kind: "auth-req", id, peerId: this.#user, password: this.#password }),
    );
    this.#timer = this.#host.sched.after(this.#host.restartTimer, () => this.#send());
  }

  input(payload: Uint8Array): void {
    const decoded = decodePap(payload);
    if (!decoded.ok) return this.#host.discard(decoded.error, PPP_PAP);
    const packet = decoded.value;
    if (packet.kind === "auth-req") {
      return this.#host.discard(
        "PAP Authenticate-Request from the peer: we are not the authenticator",
        PPP_PAP,
      );
    }
    if (!this.#ids.has(packet.id)) {
      return this.#host.discard(`PAP ${packet.kind} id ${packet.id} answers no request of ours`, PPP_PAP);
    }
    this.stop();
    if (this.#finished) return;
    if (packet.kind === "auth-ack") {
      this.#host.log("PAP authentication succeeded");
      this.#finish({ ok: true, user: this.#user });
    } else {
      this.#host.log(`PAP authentication failed${packet.message ? ` (${packet.message})` : ""}`);
      this.#finish({
        ok: false,
        reason: `PAP authentication failed: the peer answered Authenticate-Nak${
          packet.message ? ` "${packet.message}"` : ""
        } (wrong password for "${this.#user}"?)`,
        terminate: SELF_FAILED,
      });
    }
  }

  #finish(outcome: AuthOutcome): void {
    this.#finished = true;
    this.#host.done(outcome);
  }

  stop(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
  }
}
