/**
 * The client end of PPTP, the PNS (RFC 2637 §1.2: the client places the "outgoing call" that the
 * server, the PAC, answers): TCP to port 1723, Start-Control-Connection-Request/Reply,
 * Outgoing-Call-Request/Reply with the two Call IDs, Set-Link-Info, then PPP in GRE. Hanging up is
 * Call-Clear-Request, the server's Call-Disconnect-Notify, Stop-Control-Connection-Request/Reply and
 * a TCP FIN, as pptp-linux does it.
 */
import type { Micros } from "../../engine/time.ts";
import { formatIp, type Ip4 } from "../../wire/addr.ts";
import { PPTP_PORT, type PptpMessage } from "../../wire/pptp.ts";
import type { L2tpHost } from "../l2tp/endpoint.ts";
import type { TcpEndpoint } from "../tcp/endpoint.ts";
import { PPTP, PptpControl } from "./control.ts";
import { GreCall, greCalls } from "./gre_call.ts";

/** Where the PNS is in its exchanges. */
export type PnsState =
  | "connecting"
  | "wait-sccrp"
  | "wait-ocrp"
  | "established"
  | "clearing"
  | "stopping"
  | "closed";

/** RFC 2637 result codes of the replies, for readable failures. */
const SCCRP_RESULTS: Record<number, string> = {
  1: "successful channel establishment",
  2: "general error",
  3: "command channel already exists",
  4: "requester is not authorized",
  5: "the protocol version of the requester is not supported",
};
const OCRP_RESULTS: Record<number, string> = {
  1: "connected",
  2: "general error",
  3: "no carrier",
  4: "busy",
  5: "no dial tone",
  6: "time-out",
  7: "do not accept",
};

/** What the PNS tells its owner. */
export interface PnsEvents {
  /** The call is up: start PPP over `call`. */
  callUp(call: GreCall): void;
  /** Everything is over (control connection closed), with why. */
  down(reason: string): void;
}

/** One PPTP client session: one control connection carrying one call. */
export class PptpPns {
  state: PnsState = "connecting";
  call?: GreCall;
  readonly control: PptpControl;
  #callId = 0;
  #failure?: string;

  constructor(
    readonly host: L2tpHost,
    readonly tcp: TcpEndpoint,
    readonly server: Ip4,
    readonly hostname: string,
    echoInterval: Micros,
    readonly events: PnsEvents,
  ) {
    this.control = new PptpControl(host, `pptp ${formatIp(server)}`, echoInterval);
    this.control.onMessage = (m) => this.#message(m);
    this.control.onClosed = (error) => this.#closed(error);
  }

  start(): void {
    const result = this.tcp.connect(this.server, PPTP_PORT, this.control.events(() => this.#connected()));
    if (typeof result === "string") return this.#closed(result);
    this.control.connection = result;
  }

  /** Hangs up: Call-Clear-Request, then the rest follows the server's answers. */
  hangUp(reason = "user request"): void {
    this.#failure ??= reason;
    if (this.state === "established") {
      this.state = "clearing";
      this.control.send(PPTP.CCRQ, { callId: this.#callId });
    } else if (this.state !== "closed") {
      this.#stop(reason);
    }
  }

  #connected(): void {
    this.state = "wait-sccrp";
    this.control.send(PPTP.SCCRQ, {
      version: 0x0100,
      framing: 1,
      bearer: 1,
      maxChannels: 0,
      firmware: 1,
      hostname: this.hostname,
      vendor: "Tunnel Lab",
    });
  }

  #message(m: PptpMessage): void {
    const f = m.fields;
    if (m.type === PPTP.SCCRP && this.state === "wait-sccrp") {
      if (f.result !== 1) {
        return this.#stop(
          `the server refused the control connection: ${SCCRP_RESULTS[Number(f.result)] ?? f.result}`,
        );
      }
      this.state = "wait-ocrp";
      this.#callId = greCalls(this.host).freeId(() => this.host.rng.int(1, 0xffff));
      this.control.send(PPTP.OCRQ, {
        callId: this.#callId,
        serial: 1,
        minBps: 300,
        maxBps: 100_000_000,
        bearerType: 3,
        framingType: 3,
        window: 64,
        delay: 0,
      });
      return;
    }
    if (m.type === PPTP.OCRP && this.state === "wait-ocrp") {
      if (Number(f.peerCallId) !== this.#callId) {
        this.host.log(`pptp: Outgoing-Call-Reply for call ${f.peerCallId}, ours is ${this.#callId}: ignored`);
        return;
      }
      if (f.result !== 1) {
        return this.#stop(`the server refused the call: ${OCRP_RESULTS[Number(f.result)] ?? f.result}`);
      }
      this.state = "established";
      const peerCall = Number(f.callId);
      this.call = new GreCall(
        this.host,
        greCalls(this.host),
        this.#callId,
        peerCall,
        this.server,
        `pptp call ${this.#callId}`,
      );
      this.host.log(`pptp: call established: our Call ID ${this.#callId}, the server's ${peerCall}`, {
        call: this.#callId,
        peerCall,
      });
      this.control.send(PPTP.SLI, { peerCallId: peerCall, sendAccm: 0xffffffff, receiveAccm: 0xffffffff });
      this.events.callUp(this.call);
      return;
    }
    if (m.type === PPTP.CDN) {
      this.call?.close();
      this.call = undefined;
      return this.#stop(
        this.state === "clearing" ? "user request" : `the server disconnected the call (result ${f.result})`,
      );
    }
    if (m.type === PPTP.StopCCRQ) {
      this.call?.close();
      this.control.send(PPTP.StopCCRP, { result: 1 });
      this.#failure ??= "the server stopped the control connection";
      this.state = "stopping";
      return;
    }
    if (m.type === PPTP.StopCCRP && this.state === "stopping") return this.control.close();
  }

  #stop(reason: string): void {
    this.#failure ??= reason;
    if (this.state === "stopping" || this.state === "closed") return;
    this.state = "stopping";
    this.call?.close();
    this.call = undefined;
    this.control.send(PPTP.StopCCRQ, { reason: 1 });
  }

  #closed(error: string | null): void {
    if (this.state === "closed") return;
    this.state = "closed";
    this.call?.close();
    this.call = undefined;
    this.events.down(this.#failure ?? error ?? "the control connection closed");
  }
}
