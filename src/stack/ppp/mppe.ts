/**
 * MPPE's per-direction cipher state in stateless mode (RFC 3078 §3, §7.1), as Linux's ppp_mppe and
 * Windows run it for PPTP: before every packet the session key changes (SHA-1 with the start key, then
 * RC4 of the result under itself) and a fresh RC4 keystream encrypts the inner protocol field and
 * datagram. The 12-bit coherency count tells the receiver how many key changes to make, so a lost
 * packet costs nothing but an extra key change.
 */
import { newBytes } from "../../crypto/bytes.ts";
import { mppeInitialKey, mppeNextKey } from "../../crypto/mppe_keys.ts";
import { Rc4 } from "../../crypto/rc4.ts";
import { decodeMppe, encodeMppe, MPPE_ENCRYPTED, MPPE_FLUSHED } from "../../wire/ccp.ts";
import { type Decoded, fail, ok } from "../../wire/field.ts";
import { u16 } from "../../wire/octets.ts";

const COUNT_SPACE = 0x1000;

/** One direction's keys: the start key from RFC 3079 and the current session key. */
class KeyChain {
  readonly #start: Uint8Array;
  #key: Uint8Array;
  /** The count the current key belongs to; "one before 0" at first, as ppp_mppe starts. */
  count = COUNT_SPACE - 1;

  constructor(start: Uint8Array) {
    this.#start = start;
    this.#key = mppeInitialKey(start, 128);
  }

  /** Changes the key once and moves the count on. */
  step(): void {
    this.#key = mppeNextKey(this.#start, this.#key, 128);
    this.count = (this.count + 1) % COUNT_SPACE;
  }

  keystream(): Rc4 {
    return new Rc4(this.#key);
  }
}

/** The sending direction. */
export class MppeEncryptor {
  readonly #keys: KeyChain;

  constructor(startKey: Uint8Array) {
    this.#keys = new KeyChain(startKey);
  }

  /** The 0x00FD payload carrying `protocol` and `payload`, encrypted under the next key. */
  encrypt(protocol: number, payload: Uint8Array): Uint8Array {
    this.#keys.step();
    const plain = newBytes(2 + payload.length);
    plain[0] = protocol >>> 8;
    plain[1] = protocol & 0xff;
    plain.set(payload, 2);
    return encodeMppe({
      flags: MPPE_FLUSHED | MPPE_ENCRYPTED,
      count: this.#keys.count,
      data: this.#keys.keystream().process(plain),
    });
  }
}

/** The receiving direction (also what an attacker runs once the start key is known). */
export class MppeDecryptor {
  readonly #keys: KeyChain;

  constructor(startKey: Uint8Array) {
    this.#keys = new KeyChain(startKey);
  }

  /** The inner protocol and datagram of a 0x00FD payload; fails on a repeated count or no encryption. */
  decrypt(bytes: Uint8Array): Decoded<{ protocol: number; payload: Uint8Array; count: number }> {
    const decoded = decodeMppe(bytes);
    if (!decoded.ok) return decoded;
    const { flags, count, data } = decoded.value;
    if (!(flags & MPPE_ENCRYPTED)) {
      return fail("MPPE packet without the encrypted bit: refused (MPPE is required)");
    }
    const steps = (count - this.#keys.count + COUNT_SPACE) % COUNT_SPACE;
    if (steps === 0) return fail(`MPPE coherency count ${count} repeated: a replayed or duplicated packet`);
    for (let i = 0; i < steps; i++) this.#keys.step();
    const plain = this.#keys.keystream().process(data);
    return ok({ protocol: u16(plain, 0), payload: plain.subarray(2), count });
  }
}
