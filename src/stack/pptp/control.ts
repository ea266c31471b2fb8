/**
 * One end of a PPTP control connection (RFC 2637 §1.3): messages over a TCP connection to port 1723,
 * cut out of the byte stream by their Length field, each one logged; and the keepalive of §2.5: an
 * Echo-Request after `echoInterval` without a control message, answered by an Echo-Reply. The PNS
 * (client) and PAC (server) state machines sit on top and see whole decoded messages.
 */
import type { Micros } from "../../engine/time.ts";
import type { Timer } from "../../engine/scheduler.ts";
import { concatBytes } from "../../crypto/index.ts";
import { decodePptp, encodePptp, type PptpMessage, pptpTypeName, splitPptp } from "../../wire/pptp.ts";
import type { TcpConnection } from "../tcp/connection.ts";
import type { TcpEvents } from "../tcp/connection_types.ts";
import type { L2tpHost } from "../l2tp/endpoint.ts";

/** Control message types (RFC 2637 §2). */
export const PPTP = {
  SCCRQ: 1,
  SCCRP: 2,
  StopCCRQ: 3,
  StopCCRP: 4,
  EchoRequest: 5,
  EchoReply: 6,
  OCRQ: 7,
  OCRP: 8,
  CCRQ: 12,
  CDN: 13,
  SLI: 15,
} as const;

/** The control connection's framing, keepalive and log. */
export class PptpControl {
  /** A whole, well-formed message arrived. */
  onMessage?: (message: PptpMessage) => void;
  /** The TCP connection is over (`error` null after an orderly close). */
  onClosed?: (error: string | null) => void;
  connection?: TcpConnection;
  #buffer: Uint8Array = new Uint8Array(0);
  #echoTimer?: Timer;
  #echoId = 0;
  #closed = false;

  constructor(readonly host: L2tpHost, readonly label: string, readonly echoInterval: Micros) {}

  /** The TCP events to hand to `connect` or to return from a listener's accept. */
  events(onConnected?: () => void): TcpEvents {
    return {
      onConnected: () => {
        this.#armEcho();
        onConnected?.();
      },
      onData: (data) => this.#data(data),
      onPeerClosed: () => this.connection?.close(),
      onClosed: (error) => {
        this.#closed = true;
        this.#echoTimer?.cancel();
        this.onClosed?.(error);
      },
    };
  }

  send(type: number, fields: Record<string, number | string> = {}): void {
    if (this.#closed || !this.connection) return;
    this.connection.write(encodePptp({ type, fields }));
    this.#armEcho();
  }

  /** Closes TCP (FIN) after what was written has gone. */
  close(): void {
    this.#echoTimer?.cancel();
    this.connection?.close();
  }

  #data(data: Uint8Array): void {
    this.#buffer = this.#buffer.length ? concatBytes(this.#buffer, data) : data.slice();
    const { messages, rest, error } = splitPptp(this.#buffer);
    this.#buffer = rest.slice();
    for (const bytes of messages) {
      const decoded = decodePptp(bytes);
      if (!decoded.ok) {
        this.host.log(`${this.label}: malformed control message discarded: ${decoded.error}`);
        continue;
      }
      this.#armEcho();
      const message = decoded.value;
      if (message.type === PPTP.EchoRequest) {
        this.send(PPTP.EchoReply, { identifier: message.fields.identifier, result: 1 });
        continue;
      }
      if (message.type === PPTP.EchoReply) continue;
      this.host.log(`${this.label}: received ${pptpTypeName(message.type)}`, { pptp: message.type });
      this.onMessage?.(message);
    }
    if (error) {
      this.host.log(`${this.label}: ${error}: the control stream is out of step, closing it`);
      this.connection?.abort(error);
    }
  }

  #armEcho(): void {
    this.#echoTimer?.cancel();
    if (this.echoInterval <= 0 || this.#closed) return;
    this.#echoTimer = this.host.ctx.sched.after(this.echoInterval, () => {
      this.#echoTimer = undefined;
      this.send(PPTP.EchoRequest, { identifier: ++this.#echoId });
    });
  }
}
