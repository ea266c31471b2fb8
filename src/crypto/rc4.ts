/**
 * RC4, the stream cipher MPPE fixes (RFC 3078 §3). A stateful keystream: MPPE's stateful mode keeps
 * one across packets, its stateless mode makes a new one for each packet. Broken (biased keystream),
 * kept because PPTP is the protocol that shows what that means.
 */

/** An RC4 keystream. */
export class Rc4 {
  readonly #s = new Uint8Array(256);
  #i = 0;
  #j = 0;

  constructor(key: Uint8Array) {
    if (key.length === 0 || key.length > 256) throw new RangeError(`RC4 key of ${key.length} bytes`);
    const s = this.#s;
    for (let i = 0; i < 256; i++) s[i] = i;
    for (let i = 0, j = 0; i < 256; i++) {
      j = (j + s[i] + key[i % key.length]) & 0xff;
      [s[i], s[j]] = [s[j], s[i]];
    }
  }

  /** XORs the next `data.length` keystream bytes into a copy of `data` (encrypting and decrypting alike). */
  process(data: Uint8Array): Uint8Array {
    const s = this.#s;
    const out = new Uint8Array(data.length);
    let i = this.#i, j = this.#j;
    for (let n = 0; n < data.length; n++) {
      i = (i + 1) & 0xff;
      j = (j + s[i]) & 0xff;
      const t = s[i];
      s[i] = s[j];
      s[j] = t;
      out[n] = data[n] ^ s[(s[i] + s[j]) & 0xff];
    }
    this.#i = i;
    this.#j = j;
    return out;
  }
}

/** RC4 of `data` under `key` from the start of the keystream. */
export function rc4(key: Uint8Array, data: Uint8Array): Uint8Array {
  return new Rc4(key).process(data);
}
