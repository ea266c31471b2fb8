/**
 * MS-CHAPv2 (RFC 2759) as a PPP authentication method: CHAP packets (protocol 0xC223, algorithm 0x81)
 * whose Response value is PeerChallenge(16) ‖ Reserved(8) ‖ NT-Response(24) ‖ Flags(1), whose Success
 * message carries "S=" (the server's proof) and whose Failure carries "E=691 R=0 C=… V=3". Unlike
 * CHAP-MD5 it authenticates both ways, and it yields the MPPE master key (RFC 3079) to both ends.
 */
import { bytesEqual, toHex } from "../../crypto/index.ts";
import { mppeMasterKey } from "../../crypto/mppe_keys.ts";
import { authenticatorResponse, generateNtResponse, ntPasswordHash } from "../../crypto/mschapv2.ts";
import { decodeChap } from "../../wire/chap.ts";
import { PPP_CHAP } from "../../wire/ppp.ts";
import type { AuthHost, AuthOutcome, AuthParty, AuthRecord, AuthServer } from "./auth.ts";
import { ChapAnswer, ChapChallenge } from "./chap_exchange.ts";

/** Length of the Response value (RFC 2759 §4). */
const RESPONSE_LENGTH = 49;

/** Server side: a 16-byte Challenge, then checks the NT-Response and proves itself with "S=". */
export class MsChapV2Server implements AuthServer {
  readonly kind = "mschapv2";
  record?: AuthRecord;
  #host: AuthHost;
  #users: Record<string, string>;
  #challenge: ChapChallenge;

  constructor(host: AuthHost, name: string, users: Record<string, string>) {
    this.#host = host;
    this.#users = users;
    this.#challenge = new ChapChallenge(host, name, "MS-CHAPv2");
  }

  start(): void {
    this.#challenge.start();
  }

  input(payload: Uint8Array): void {
    const packet = this.#challenge.response(payload);
    if (!packet) return;
    if (packet.value.length !== RESPONSE_LENGTH) {
      return this.#host.discard(
        `MS-CHAPv2 Response value of ${packet.value.length} bytes, expected ${RESPONSE_LENGTH}`,
        PPP_CHAP,
      );
    }
    this.stop();
    this.record = {
      type: "mschapv2",
      name: packet.name,
      challenge: this.#challenge.value,
      id: packet.id,
      response: packet.value,
    };
    this.#verify(packet.name, packet.value);
  }

  adoptProxy(record: AuthRecord): void {
    this.record = record;
    this.#host.done({
      ok: false,
      reason: "MS-CHAPv2 cannot be proxied from a LAC here",
      terminate: "Authentication failed",
    });
  }

  #verify(user: string, value: Uint8Array): void {
    const peerChallenge = value.subarray(0, 16);
    const ntResponse = value.subarray(24, 48);
    const password = Object.hasOwn(this.#users, user) ? this.#users[user] : undefined;
    const hash = password === undefined ? undefined : ntPasswordHash(password);
    const good = password !== undefined &&
      bytesEqual(generateNtResponse(this.#challenge.value, peerChallenge, user, password), ntResponse);
    if (good && hash) {
      const proof = authenticatorResponse(hash, ntResponse, peerChallenge, this.#challenge.value, user);
      this.#challenge.judge("success", `${proof} M=Access granted`);
      this.#host.log(`MS-CHAPv2 peer authentication succeeded for ${user}`);
      this.#host.done({ ok: true, user, mppeMaster: mppeMasterKey(hash, ntResponse) });
      return;
    }
    // RFC 2759 §6: E=691 is "authentication failure", R=0 "no retry", C= a new challenge, V=3.
    this.#challenge.judge(
      "failure",
      `E=691 R=0 C=${toHex(this.#challenge.value).toUpperCase()} V=3 M=Access denied`,
    );
    this.#host.log(`MS-CHAPv2 peer authentication failed for ${user}`);
    this.#host.done({
      ok: false,
      reason: `MS-CHAPv2 authentication of "${user}" failed: ${
        password === undefined ? `unknown user "${user}"` : "wrong password"
      }`,
      terminate: "Authentication failed",
    });
  }

  stop(): void {
    this.#challenge.stop();
  }
}

/** Peer side: answers the Challenge with its own challenge and the NT-Response, then checks "S=". */
export class MsChapV2Client implements AuthParty {
  readonly kind = "mschapv2";
  #host: AuthHost;
  #user: string;
  #password?: string;
  #reply: ChapAnswer;
  #expect?: { proof: string; master: Uint8Array };
  #finished = false;

  constructor(host: AuthHost, user: string, password: string | undefined) {
    this.#host = host;
    this.#user = user;
    this.#password = password;
    this.#reply = new ChapAnswer(host);
  }

  start(): void {}

  input(payload: Uint8Array): void {
    const decoded = decodeChap(payload);
    if (!decoded.ok) return this.#host.discard(decoded.error, PPP_CHAP);
    const packet = decoded.value;
    if (packet.kind === "challenge") return this.#answer(packet.id, packet.value);
    if (!("message" in packet)) {
      return this.#host.discard("MS-CHAPv2 Response from the peer: we are not the authenticator", PPP_CHAP);
    }
    this.#verdict(packet.id, packet.kind, packet.message);
  }

  #verdict(id: number, kind: "success" | "failure", message: string): void {
    if (!this.#reply.answers(id)) {
      return this.#host.discard(`MS-CHAPv2 ${kind} id ${id} does not match our Response`, PPP_CHAP);
    }
    this.stop();
    if (this.#finished) return;
    if (kind === "failure") {
      this.#host.log(`MS-CHAPv2 authentication failed (${message})`);
      return this.#finish({
        ok: false,
        reason:
          `MS-CHAPv2 authentication failed: the server answered "${message}" (wrong password for "${this.#user}"?)`,
        terminate: "Failed to authenticate ourselves to peer",
      });
    }
    const found = /S=([0-9A-Fa-f]{40})/.exec(message);
    const proof = found ? `S=${found[1].toUpperCase()}` : undefined;
    if (!this.#expect || proof !== this.#expect.proof) {
      this.#host.log("MS-CHAPv2 mutual authentication failed: the server's S= is wrong");
      return this.#finish({
        ok: false,
        reason: "the server's MS-CHAPv2 Success did not prove it knows the password (wrong S=)",
        terminate: "Failed to authenticate ourselves to peer",
      });
    }
    this.#host.log("MS-CHAPv2 authentication succeeded (the server proved it knows the password)");
    this.#finish({ ok: true, user: this.#user, mppeMaster: this.#expect.master });
  }

  #answer(id: number, challenge: Uint8Array): void {
    if (this.#password === undefined) {
      this.#host.log("No MS-CHAPv2 secret found for authenticating us to the peer");
      return this.#finish({
        ok: false,
        reason: "no MS-CHAPv2 password configured",
        terminate: "Failed to authenticate ourselves to peer",
      });
    }
    if (challenge.length !== 16) {
      return this.#host.discard(`MS-CHAPv2 Challenge of ${challenge.length} bytes, expected 16`, PPP_CHAP);
    }
    const peerChallenge = this.#host.rng.bytes(16);
    const ntResponse = generateNtResponse(challenge, peerChallenge, this.#user, this.#password);
    const value = new Uint8Array(RESPONSE_LENGTH);
    value.set(peerChallenge, 0);
    value.set(ntResponse, 24);
    const hash = ntPasswordHash(this.#password);
    this.#expect = {
      proof: authenticatorResponse(hash, ntResponse, peerChallenge, challenge, this.#user),
      master: mppeMasterKey(hash, ntResponse),
    };
    this.#reply.send({ kind: "response", id, value, name: this.#user });
  }

  #finish(outcome: AuthOutcome): void {
    this.#finished = true;
    this.#host.done(outcome);
  }

  stop(): void {
    this.#reply.stop();
  }
}
