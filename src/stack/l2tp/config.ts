/**
 * Tunables of an L2TP control connection (RFC 2661 §5.8, §6.5) and the defaults every role starts
 * from. The numbers are the RFC's and xl2tpd's: a 1 s first retransmission timeout, 5 retries, a
 * receive window of 4 and a HELLO after 60 s of silence.
 */
import { type Micros, SECOND } from "../../engine/time.ts";

/** Reliable delivery and keepalive timers of one control connection. */
export interface L2tpTimers {
  /** First retransmission timeout; doubled after each retransmission. */
  retransmit: Micros;
  /** The doubling stops here (RFC 2661 §5.8 asks for a cap of at least 8 s). */
  retransmitCap: Micros;
  /** Retransmissions of one message before the peer is declared dead and the tunnel cleared. */
  maxRetries: number;
  /** Silence (no control or data message received) after which a HELLO is sent. */
  hello: Micros;
  /**
   * How long to wait for a message to piggyback an acknowledgement on before sending a ZLB. xl2tpd
   * sends its ZLB as soon as it has handled a message that produced no reply, so the default is 0.
   */
  ackDelay: Micros;
  /** Receive Window Size we advertise: how many unacknowledged messages the peer may send us. */
  receiveWindow: number;
}

/** The defaults (RFC 2661 §5.8 and §6.5; xl2tpd 1.3 uses the same window and retry count). */
export const DEFAULT_TIMERS: L2tpTimers = {
  retransmit: 1 * SECOND,
  retransmitCap: 8 * SECOND,
  maxRetries: 5,
  hello: 60 * SECOND,
  ackDelay: 0,
  receiveWindow: 4,
};

/** The window assumed when the peer sends no Receive Window Size AVP (§4.4.3). */
export const DEFAULT_PEER_WINDOW = 4;

/** Total time a message is retried before giving up: the sum of every timeout (31 s by default). */
export function retransmitCycle(timers: L2tpTimers): Micros {
  let total = 0;
  let timeout = timers.retransmit;
  for (let i = 0; i <= timers.maxRetries; i++) {
    total += timeout;
    timeout = Math.min(timeout * 2, timers.retransmitCap);
  }
  return total;
}

/** How a node takes part in tunnel authentication and AVP hiding (§5.1.1, §4.3). */
export interface TunnelSecurity {
  /** The shared tunnel secret; without one the node neither challenges nor answers challenges. */
  secret?: string;
  /** Send a Challenge so the peer must prove it knows the secret. */
  challenge: boolean;
  /** Hide the AVPs worth hiding (session ids, proxy authentication) when a secret is set. */
  hideAvps: boolean;
}

/** Host name, vendor and firmware this implementation announces in SCCRQ/SCCRP. */
export const VENDOR_NAME = "Tunnel Lab";
export const FIRMWARE_REVISION = 0x0100;
