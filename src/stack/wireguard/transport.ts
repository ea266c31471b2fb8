/**
 * Transport data (WireGuard paper §5.4.6): one keypair's two keys, its indices and counters, sealing
 * an inner packet (zero-padded to a multiple of 16, never past the MTU) under the 64-bit counter as
 * nonce, and the receiver's sliding window that refuses a counter seen before or too old (the
 * bitmap-of-words scheme of RFC 6479). A keepalive is a sealed empty packet.
 */
import { chachaOpen, chachaSeal } from "../../crypto/index.ts";
import type { Micros } from "../../engine/time.ts";
import { type Decoded, fail, ok } from "../../wire/field.ts";
import { encodeWg, WG_TRANSPORT, type WgTransport } from "../../wire/wireguard.ts";
import { REJECT_AFTER_MESSAGES } from "./config.ts";
import { transportNonce } from "./noise.ts";

/** Counters the window remembers; RFC 6479 keeps one word fewer than it stores. */
export const WINDOW_BITS = 2048;
const WORD_BITS = 32;
const WORDS = WINDOW_BITS / WORD_BITS;
const EMPTY = new Uint8Array(0);

/** The receive side's replay protection for one keypair. */
export class CounterWindow {
  #greatest = -1n;
  #bits = new Uint32Array(WORDS);

  /** The highest counter accepted so far (-1 before any). */
  get greatest(): bigint {
    return this.#greatest;
  }

  /** Why `counter` must be refused, or null when it may be new. Check before opening, update after. */
  check(counter: bigint): string | null {
    if (counter >= REJECT_AFTER_MESSAGES) return `counter ${counter} is past REJECT_AFTER_MESSAGES`;
    if (this.#greatest < 0n || counter > this.#greatest) return null;
    if (counter + BigInt(WINDOW_BITS - WORD_BITS) < this.#greatest) {
      return `counter ${counter} is left of the replay window (highest seen ${this.#greatest})`;
    }
    const word = Number((counter / 32n) % BigInt(WORDS));
    if (this.#bits[word] & (1 << Number(counter % 32n))) {
      return `counter ${counter} was already received (replay)`;
    }
    return null;
  }

  /** Records an authenticated counter. */
  update(counter: bigint): void {
    if (counter > this.#greatest) {
      const from = this.#greatest < 0n ? -1n : this.#greatest / 32n;
      const to = counter / 32n;
      const clear = to - from > BigInt(WORDS) ? BigInt(WORDS) : to - from;
      for (let i = 1n; i <= clear; i++) this.#bits[Number((from + i) % BigInt(WORDS))] = 0;
      this.#greatest = counter;
    }
    const word = Number((counter / 32n) % BigInt(WORDS));
    this.#bits[word] |= 1 << Number(counter % 32n);
  }
}

/** One session's keys, as the handshake's Split produced them. */
export interface Keypair {
  sendKey: Uint8Array;
  receiveKey: Uint8Array;
  /** Our index: what the peer puts in the receiver field. */
  localIndex: number;
  /** The peer's index: what we put in the receiver field. */
  remoteIndex: number;
  created: Micros;
  /** Whether we initiated the handshake that made it (only the initiator rekeys on time). */
  initiator: boolean;
  sendCounter: bigint;
  replay: CounterWindow;
}

/** A keypair fresh from a handshake. */
export function newKeypair(
  keys: { sendKey: Uint8Array; receiveKey: Uint8Array },
  localIndex: number,
  remoteIndex: number,
  created: Micros,
  initiator: boolean,
): Keypair {
  return {
    ...keys,
    localIndex,
    remoteIndex,
    created,
    initiator,
    sendCounter: 0n,
    replay: new CounterWindow(),
  };
}

/** Length after WireGuard's zero padding: a multiple of 16, but never more than the MTU allows. */
export function paddedLength(length: number, mtu: number): number {
  const rounded = Math.ceil(length / 16) * 16;
  return length > mtu ? length : Math.min(rounded, mtu);
}

/** Seals `packet` (empty for a keepalive) under the next counter; the counter advances. */
export function sealTransport(keypair: Keypair, packet: Uint8Array, mtu: number): Uint8Array {
  const padded = new Uint8Array(paddedLength(packet.length, mtu));
  padded.set(packet);
  const counter = keypair.sendCounter++;
  const message: WgTransport = {
    type: WG_TRANSPORT,
    receiver: keypair.remoteIndex,
    counter,
    encryptedPacket: chachaSeal(keypair.sendKey, transportNonce(counter), padded, EMPTY),
  };
  return encodeWg(message);
}

/** Checks the window, opens, then records the counter. The plaintext keeps its padding. */
export function openTransport(keypair: Keypair, message: WgTransport): Decoded<Uint8Array> {
  const refused = keypair.replay.check(message.counter);
  if (refused) return fail(refused);
  const opened = chachaOpen(
    keypair.receiveKey,
    transportNonce(message.counter),
    message.encryptedPacket,
    EMPTY,
  );
  if (!opened.ok) return fail(`transport data does not authenticate under this keypair`);
  keypair.replay.update(message.counter);
  return ok(opened.value);
}
