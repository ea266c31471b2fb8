/**
 * MD4 (RFC 1320), which no installed package provides and which MS-CHAPv2 still needs: the NT hash
 * of a password is MD4 of its UTF-16LE bytes (RFC 2759 §8.3). MD4 is broken as a hash; it is here only
 * because the protocol fixes it.
 */

const rotl = (x: number, n: number) => (x << n) | (x >>> (32 - n));

/** MD4 of the concatenation of `parts`. */
export function md4(...parts: Uint8Array[]): Uint8Array {
  let total = 0;
  for (const p of parts) total += p.length;
  // Padding: 0x80, zeros to 56 mod 64, then the bit length as a 64-bit little-endian number.
  const padded = new Uint8Array(((total + 8) >>> 6 << 6) + 64);
  let at = 0;
  for (const p of parts) {
    padded.set(p, at);
    at += p.length;
  }
  padded[total] = 0x80;
  const bits = total * 8;
  const view = new DataView(padded.buffer, padded.byteOffset, padded.byteLength);
  view.setUint32(padded.length - 8, bits >>> 0, true);
  view.setUint32(padded.length - 4, Math.floor(bits / 0x100000000), true);
  let a = 0x67452301, b = 0xefcdab89, c = 0x98badcfe, d = 0x10325476;
  const x = new Uint32Array(16);
  for (let block = 0; block < padded.length; block += 64) {
    for (let i = 0; i < 16; i++) x[i] = view.getUint32(block + i * 4, true);
    const [aa, bb, cc, dd] = [a, b, c, d];
    // Round 1: F(x,y,z) = xy ∨ ¬xz, shifts 3 7 11 19.
    for (const i of [0, 4, 8, 12]) {
      a = rotl((a + ((b & c) | (~b & d)) + x[i]) | 0, 3);
      d = rotl((d + ((a & b) | (~a & c)) + x[i + 1]) | 0, 7);
      c = rotl((c + ((d & a) | (~d & b)) + x[i + 2]) | 0, 11);
      b = rotl((b + ((c & d) | (~c & a)) + x[i + 3]) | 0, 19);
    }
    // Round 2: G(x,y,z) = majority, constant 0x5A827999, shifts 3 5 9 13, words by column.
    for (const i of [0, 1, 2, 3]) {
      a = rotl((a + ((b & c) | (b & d) | (c & d)) + x[i] + 0x5a827999) | 0, 3);
      d = rotl((d + ((a & b) | (a & c) | (b & c)) + x[i + 4] + 0x5a827999) | 0, 5);
      c = rotl((c + ((d & a) | (d & b) | (a & b)) + x[i + 8] + 0x5a827999) | 0, 9);
      b = rotl((b + ((c & d) | (c & a) | (d & a)) + x[i + 12] + 0x5a827999) | 0, 13);
    }
    // Round 3: H(x,y,z) = x ⊕ y ⊕ z, constant 0x6ED9EBA1, shifts 3 9 11 15, words in bit-reversed order.
    for (const i of [0, 2, 1, 3]) {
      a = rotl((a + (b ^ c ^ d) + x[i] + 0x6ed9eba1) | 0, 3);
      d = rotl((d + (a ^ b ^ c) + x[i + 8] + 0x6ed9eba1) | 0, 9);
      c = rotl((c + (d ^ a ^ b) + x[i + 4] + 0x6ed9eba1) | 0, 11);
      b = rotl((b + (c ^ d ^ a) + x[i + 12] + 0x6ed9eba1) | 0, 15);
    }
    a = (a + aa) | 0;
    b = (b + bb) | 0;
    c = (c + cc) | 0;
    d = (d + dd) | 0;
  }
  const out = new Uint8Array(16);
  const ov = new DataView(out.buffer, out.byteOffset, out.byteLength);
  [a, b, c, d].forEach((w, i) => ov.setUint32(i * 4, w >>> 0, true));
  return out;
}
