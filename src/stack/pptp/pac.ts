/**
 * The server end of PPTP, the PAC (RFC 2637 §1.2), as pptpd runs it: it listens on TCP 1723, answers
 * Start-Control-Connection-Request and Outgoing-Call-Request (a Call ID of its own, the client's kept
 * for the GRE Key), and hands each call to its owner to run PPP over. It answers Call-Clear-Request
 * with Call-Disconnect-Notify and Stop-Control-Connection-Request with its Reply.
 */
import type { Micros } from "../../engine/time.ts";
import { formatIp } from "../../wire/addr.ts";
import { PPTP_PORT, type PptpMessage } from "../../wire/pptp.ts";
import type { L2tpHost } from "../l2tp/endpoint.ts";
import type { TcpConnection } from "../tcp/connection.ts";
import type { TcpEndpoint } from "../tcp/endpoint.ts";
import { PPTP, PptpControl } from "./control.ts";
import { GreCall, greCalls } from "./gre_call.ts";

/** What the PAC asks of its owner for each call. */
export interface PacEvents {
  /**
   * A call arrived: prepare PPP over it; returns how to start it (once the reply is on its way) and to
   * hang it up, or a refusal reason.
   */
  callUp(call: GreCall): { open(): void; hangUp(reason: string): void } | string;
}

/** A PPTP server on one node. */
export class PptpPac {
  constructor(
    readonly host: L2tpHost,
    readonly tcp: TcpEndpoint,
    readonly hostname: string,
    readonly echoInterval: Micros,
    readonly events: PacEvents,
  ) {}

  start(): void {
    this.tcp.listen(PPTP_PORT, (connection) => this.#accept(connection));
  }

  #accept(connection: TcpConnection) {
    const label = `pptp ${formatIp(connection.remoteIp)}:${connection.remotePort}`;
    const control = new PptpControl(this.host, label, this.echoInterval);
    control.connection = connection;
    let call: GreCall | undefined;
    let ppp: { hangUp(reason: string): void } | undefined;
    const clear = (reason: string) => {
      ppp?.hangUp(reason);
      ppp = undefined;
      call?.close();
      call = undefined;
    };
    control.onMessage = (m: PptpMessage) => {
      const f = m.fields;
      switch (m.type) {
        case PPTP.SCCRQ:
          return control.send(PPTP.SCCRP, {
            version: 0x0100,
            result: 1,
            framing: 1,
            bearer: 1,
            maxChannels: 1,
            firmware: 1,
            hostname: this.hostname,
            vendor: "Tunnel Lab",
          });
        case PPTP.OCRQ: {
          if (call) {
            return control.send(PPTP.OCRP, { callId: 0, peerCallId: f.callId, result: 7, error: 0 });
          }
          const id = greCalls(this.host).freeId(() => this.host.rng.int(1, 0xffff));
          call = new GreCall(
            this.host,
            greCalls(this.host),
            id,
            Number(f.callId),
            connection.remoteIp,
            `${label} call ${id}`,
          );
          const started = this.events.callUp(call);
          if (typeof started === "string") {
            call.close();
            call = undefined;
            this.host.log(`${label}: call refused: ${started}`);
            return control.send(PPTP.OCRP, { callId: 0, peerCallId: f.callId, result: 2, error: 0 });
          }
          ppp = started;
          this.host.log(`${label}: call ${id} answers the client's call ${f.callId}`, {
            call: id,
            peerCall: f.callId,
          });
          control.send(PPTP.OCRP, {
            callId: id,
            peerCallId: f.callId,
            result: 1,
            speed: 100_000_000,
            window: 64,
            delay: 0,
          });
          // PPP starts after the reply: the client must know our Call ID before GRE arrives.
          return started.open();
        }
        case PPTP.CCRQ: {
          const id = call?.localCallId ?? 0;
          clear("the client cleared the call");
          // Result 4: "Request: disconnection requested by Call-Clear-Request" (RFC 2637 §2.13).
          return control.send(PPTP.CDN, { callId: id, result: 4 });
        }
        case PPTP.StopCCRQ:
          clear("the client stopped the control connection");
          control.send(PPTP.StopCCRP, { result: 1 });
          return control.close();
        case PPTP.SLI:
          return;
      }
    };
    control.onClosed = (error) =>
      clear(error ? `control connection lost: ${error}` : "control connection closed");
    return control.events();
  }
}
