import type { Prng } from "../../engine/prng.ts";
import { AUTH_CHAP_MD5, AUTH_PAP, authName, type LcpOption } from "../../wire/lcp.ts";
import { PPP_CHAP, PPP_PAP } from "../../wire/ppp.ts";
import type { Judgement, OptionStrategy, OptionVerdict } from "./automaton.ts";

/** An authentication protocol we can run: CHAP with MD5 (RFC 1994), MS-CHAPv2 (RFC 2759) or PAP (RFC 1334). */
export type AuthKind = "chap" | "pap" | "mschapv2";

/** RFC 1661 §6.1: the MRU when none is negotiated. */
export const DEFAULT_MRU = 1500;
/** pppd's MINMRU: a smaller MRU in a Configure-Request is Nak'd up to this. */
export const MIN_MRU = 128;
/** pppd's default for how many Magic-Number collisions mean "looped back" (lcp_loopbackfail). */
export const DEFAULT_MAX_LOOPBACK = 10;

/** What our side of LCP wants and accepts. */
export interface LcpPolicy {
  role: "client" | "server";
  /** Our MRU; sent only when it differs from 1500. */
  mru: number;
  /** Server: the protocol it demands (undefined = none). Client: what it accepts (undefined = either). */
  auth?: AuthKind;
  /** Client: it refuses to authenticate at all (auth "none"). */
  refuseAuth?: boolean;
  maxLoopback?: number;
}

/** The kind named by an Authentication-Protocol option, when it is one we run. */
export function authKindOf(option: LcpOption): AuthKind | undefined {
  if (option.type !== "auth") return undefined;
  if (option.protocol === PPP_PAP) return "pap";
  if (option.protocol === PPP_CHAP && option.algorithm === 5) return "chap";
  if (option.protocol === PPP_CHAP && option.algorithm === 0x81) return "mschapv2";
  return undefined;
}

function authOption(kind: AuthKind): LcpOption {
  if (kind === "mschapv2") return { type: "auth", protocol: PPP_CHAP, algorithm: 0x81 };
  return kind === "chap" ? AUTH_CHAP_MD5 : AUTH_PAP;
}

function authLabel(kind: AuthKind): string {
  return kind === "chap" ? "CHAP-MD5" : kind === "mschapv2" ? "MS-CHAPv2" : "PAP";
}

/**
 * LCP's options: MRU, Magic-Number and Authentication-Protocol are negotiated; ACCM, PFC and ACFC
 * are acknowledged (L2TP carries synchronous frames, so ACCM means nothing, and we accept
 * compressed headers on input) but never requested; anything else is rejected.
 */
export class LcpNegotiation implements OptionStrategy<LcpOption> {
  readonly policy: LcpPolicy;
  /** Our Magic-Number (0 when the peer rejected the option). */
  magic: number;
  /** The MRU the peer acknowledged for us (what we receive). */
  localMru = DEFAULT_MRU;
  /** The MRU the peer asked for (the largest frame we may send). */
  peerMru = DEFAULT_MRU;
  peerMagic = 0;
  /** The protocol the peer agreed to authenticate itself with (server side). */
  authByPeer?: AuthKind;
  /** The protocol we agreed to authenticate ourselves with (client side). */
  authToPeer?: AuthKind;
  peerPfc = false;
  peerAcfc = false;
  /** Magic-Number collisions seen; past `maxLoopback` the link is declared looped back. */
  loops = 0;
  #rng: Prng;
  #log: (message: string) => void;
  #wantMru?: number;
  #sendMagic = true;
  #demand?: AuthKind;

  constructor(policy: LcpPolicy, rng: Prng, log: (message: string) => void) {
    this.policy = policy;
    this.#rng = rng;
    this.#log = log;
    this.magic = this.#newMagic();
    this.reset();
  }

  /** Whether our side demands that the peer authenticate. */
  get demand(): AuthKind | undefined {
    return this.#demand;
  }

  reset(): void {
    this.#wantMru = this.policy.mru !== DEFAULT_MRU ? this.policy.mru : undefined;
    this.#sendMagic = true;
    if (this.magic === 0) this.magic = this.#newMagic();
    this.#demand = this.policy.role === "server" ? this.policy.auth : undefined;
    this.loops = 0;
  }

  request(): LcpOption[] {
    const options: LcpOption[] = [];
    if (this.#wantMru !== undefined) options.push({ type: "mru", mru: this.#wantMru });
    if (this.#demand) options.push(authOption(this.#demand));
    if (this.#sendMagic) options.push({ type: "magic", magic: this.magic });
    return options;
  }

  judge(options: LcpOption[]): Judgement<LcpOption> {
    const verdicts: OptionVerdict<LcpOption>[] = [];
    for (const option of options) verdicts.push(this.#judgeOne(option));
    if (this.loops >= (this.policy.maxLoopback ?? DEFAULT_MAX_LOOPBACK)) {
      return { options: verdicts, fatal: this.#looped() };
    }
    return { options: verdicts };
  }

  #judgeOne(option: LcpOption): OptionVerdict<LcpOption> {
    switch (option.type) {
      case "mru":
        return option.mru >= MIN_MRU
          ? { option, verdict: "ack" }
          : { option, verdict: "nak", suggest: { type: "mru", mru: MIN_MRU } };
      case "magic":
        if (option.magic === 0) {
          return { option, verdict: "nak", suggest: { type: "magic", magic: this.#newMagic() } };
        }
        if (this.#sendMagic && option.magic === this.magic) {
          // Our own number came back: either a looped-back link or a collision (RFC 1661 §6.4).
          this.loops++;
          return { option, verdict: "nak", suggest: { type: "magic", magic: this.#newMagic() } };
        }
        return { option, verdict: "ack" };
      case "auth":
        return this.#judgeAuth(option);
      case "accm":
      case "pfc":
      case "acfc":
        return { option, verdict: "ack" };
      default:
        return { option, verdict: "rej" };
    }
  }

  #judgeAuth(option: LcpOption): OptionVerdict<LcpOption> {
    // We never ask a server to authenticate to us, so a server rejects the option outright.
    if (this.policy.role === "server" || this.policy.refuseAuth) return { option, verdict: "rej" };
    const kind = authKindOf(option);
    const accepted = this.policy.auth;
    if (kind && (accepted === undefined || accepted === kind)) return { option, verdict: "ack" };
    return { option, verdict: "nak", suggest: authOption(accepted ?? "chap") };
  }

  peerAcked(options: LcpOption[]): void {
    this.peerMru = DEFAULT_MRU;
    this.peerMagic = 0;
    this.authToPeer = undefined;
    this.peerPfc = false;
    this.peerAcfc = false;
    for (const option of options) {
      if (option.type === "mru") this.peerMru = option.mru;
      else if (option.type === "magic") this.peerMagic = option.magic;
      else if (option.type === "auth") this.authToPeer = authKindOf(option);
      else if (option.type === "pfc") this.peerPfc = true;
      else if (option.type === "acfc") this.peerAcfc = true;
    }
  }

  acked(options: LcpOption[]): void {
    this.localMru = DEFAULT_MRU;
    this.authByPeer = undefined;
    for (const option of options) {
      if (option.type === "mru") this.localMru = option.mru;
      else if (option.type === "magic") this.magic = option.magic;
      else if (option.type === "auth") this.authByPeer = authKindOf(option);
    }
    if (!options.some((o) => o.type === "magic")) this.magic = 0;
  }

  nak(options: LcpOption[]): string | undefined {
    for (const option of options) {
      if (option.type === "mru") {
        // Take the peer's figure when it is sane and not above what we can receive (pppd does the same).
        if (option.mru >= MIN_MRU && option.mru <= Math.max(this.policy.mru, DEFAULT_MRU)) {
          this.#wantMru = option.mru;
        }
      } else if (option.type === "magic") {
        this.loops++;
        if (this.loops >= (this.policy.maxLoopback ?? DEFAULT_MAX_LOOPBACK)) return this.#looped();
        this.magic = this.#newMagic();
      } else if (option.type === "auth" && this.#demand) {
        const offered = authKindOf(option);
        if (offered !== this.#demand) {
          const what = offered ? authLabel(offered) : authName(option.protocol, option.algorithm);
          this.#log(`peer refused to authenticate with ${authLabel(this.#demand)} (it proposed ${what})`);
          return `peer refused to authenticate with ${authLabel(this.#demand)} (it proposed ${what})`;
        }
      }
    }
    return undefined;
  }

  rejected(options: LcpOption[]): string | undefined {
    for (const option of options) {
      if (option.type === "mru") this.#wantMru = undefined;
      else if (option.type === "magic") {
        this.#sendMagic = false;
        this.magic = 0;
      } else if (option.type === "auth" && this.#demand) {
        this.#log("peer refused to authenticate: terminating link");
        return "peer refused to authenticate";
      }
    }
    return undefined;
  }

  /**
   * Takes over options a LAC negotiated (proxy LCP): `ours` were sent by the LAC on our behalf.
   * Returns why they are not acceptable to our policy, or undefined when they are.
   */
  adoptProxy(ours: LcpOption[]): string | undefined {
    const auth = ours.find((o): o is Extract<LcpOption, { type: "auth" }> => o.type === "auth");
    if (this.#demand) {
      if (!auth) return `the LAC negotiated no authentication but we demand ${authLabel(this.#demand)}`;
      if (authKindOf(auth) !== this.#demand) {
        return `the LAC negotiated ${authName(auth.protocol, auth.algorithm)} but we demand ${
          authLabel(this.#demand)
        }`;
      }
    } else if (auth) {
      return `the LAC negotiated ${authName(auth.protocol, auth.algorithm)}, which we do not run`;
    }
    return undefined;
  }

  #looped(): string {
    this.#log("Serial line is looped back.");
    return "Loopback detected";
  }

  #newMagic(): number {
    let magic = 0;
    while (magic === 0) magic = this.#rng.nextU32();
    return magic;
  }
}
