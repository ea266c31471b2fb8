/**
 * Single DES encryption (FIPS 46-3) of one block, written out because the PPTP lesson's attacker tries
 * 65,536 keys: des.js builds an object per key and takes a second for that, this takes a fraction.
 * Only encryption is needed (MS-CHAPv2 never decrypts). Checked against des.js and RFC 2759's sample.
 */

/** A FIPS 46-3 table as printed there: 1-based bit numbers, read left to right, top to bottom. */
function bits(text: string): number[] {
  return text.split(" ").map(Number);
}

const PC1 = bits(
  "57 49 41 33 25 17 9 1 58 50 42 34 26 18 10 2 59 51 43 35 27 19 11 3 60 52 44 36 63 55 47 39 31 23 15 7 62 54 46 38 30 22 14 6 61 53 45 37 29 21 13 5 28 20 12 4",
);
const PC2 = bits(
  "14 17 11 24 1 5 3 28 15 6 21 10 23 19 12 4 26 8 16 7 27 20 13 2 41 52 31 37 47 55 30 40 51 45 33 48 44 49 39 56 34 53 46 42 50 36 29 32",
);
const SHIFTS = [1, 1, 2, 2, 2, 2, 2, 2, 1, 2, 2, 2, 2, 2, 2, 1];
const IP = bits(
  "58 50 42 34 26 18 10 2 60 52 44 36 28 20 12 4 62 54 46 38 30 22 14 6 64 56 48 40 32 24 16 8 57 49 41 33 25 17 9 1 59 51 43 35 27 19 11 3 61 53 45 37 29 21 13 5 63 55 47 39 31 23 15 7",
);
const P = bits("16 7 20 21 29 12 28 17 1 15 23 26 5 18 31 10 2 8 24 14 32 27 3 9 19 13 30 6 22 11 4 25");
const S = [
  "14 4 13 1 2 15 11 8 3 10 6 12 5 9 0 7 0 15 7 4 14 2 13 1 10 6 12 11 9 5 3 8 4 1 14 8 13 6 2 11 15 12 9 7 3 10 5 0 15 12 8 2 4 9 1 7 5 11 3 14 10 0 6 13",
  "15 1 8 14 6 11 3 4 9 7 2 13 12 0 5 10 3 13 4 7 15 2 8 14 12 0 1 10 6 9 11 5 0 14 7 11 10 4 13 1 5 8 12 6 9 3 2 15 13 8 10 1 3 15 4 2 11 6 7 12 0 5 14 9",
  "10 0 9 14 6 3 15 5 1 13 12 7 11 4 2 8 13 7 0 9 3 4 6 10 2 8 5 14 12 11 15 1 13 6 4 9 8 15 3 0 11 1 2 12 5 10 14 7 1 10 13 0 6 9 8 7 4 15 14 3 11 5 2 12",
  "7 13 14 3 0 6 9 10 1 2 8 5 11 12 4 15 13 8 11 5 6 15 0 3 4 7 2 12 1 10 14 9 10 6 9 0 12 11 7 13 15 1 3 14 5 2 8 4 3 15 0 6 10 1 13 8 9 4 5 11 12 7 2 14",
  "2 12 4 1 7 10 11 6 8 5 3 15 13 0 14 9 14 11 2 12 4 7 13 1 5 0 15 10 3 9 8 6 4 2 1 11 10 13 7 8 15 9 12 5 6 3 0 14 11 8 12 7 1 14 2 13 6 15 0 9 10 4 5 3",
  "12 1 10 15 9 2 6 8 0 13 3 4 14 7 5 11 10 15 4 2 7 12 9 5 6 1 13 14 0 11 3 8 9 14 15 5 2 8 12 3 7 0 4 10 1 13 11 6 4 3 2 12 9 5 15 10 11 14 1 7 6 0 8 13",
  "4 11 2 14 15 0 8 13 3 12 9 7 5 10 6 1 13 0 11 7 4 9 1 10 14 3 5 12 2 15 8 6 1 4 11 13 12 3 7 14 10 15 6 8 0 5 9 2 6 11 13 8 1 4 10 7 9 5 0 15 14 2 3 12",
  "13 2 8 4 6 15 11 1 10 9 3 14 5 0 12 7 1 15 13 8 10 3 7 4 12 5 6 11 0 14 9 2 7 11 4 1 9 12 14 2 0 6 10 13 15 3 5 8 2 1 14 7 4 10 8 13 15 12 9 0 3 5 6 11",
].map(bits);

/** The S-box output of box `j` for 6-bit input `g`, already through P: one OR per box per round. */
function spTables(): Uint32Array[] {
  return S.map((box, j) => {
    const table = new Uint32Array(64);
    for (let g = 0; g < 64; g++) {
      const row = ((g >> 4) & 2) | (g & 1);
      const col = (g >> 1) & 15;
      const nibble = box[row * 16 + col];
      // The nibble sits at bits 4j+1..4j+4 (1 = most significant) before P.
      const before = nibble << (28 - 4 * j);
      let after = 0;
      for (let i = 0; i < 32; i++) if ((before >>> (32 - P[i])) & 1) after |= 1 << (31 - i);
      table[g] = after >>> 0;
    }
    return table;
  });
}
const SP = spTables();

/** The big-endian 32-bit word at `at`. */
const be32 = (bytes: Uint8Array, at: number) =>
  ((bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3]) >>> 0;

const bit64 = (hi: number, lo: number, n: number) => (n <= 32 ? hi >>> (32 - n) : lo >>> (64 - n)) & 1;

/** The 16 round keys, each as eight 6-bit groups (C and D held as 28-bit numbers). */
function schedule(key: Uint8Array): Uint8Array {
  const hi = be32(key, 0);
  const lo = be32(key, 4);
  let c = 0, d = 0;
  for (let i = 0; i < 28; i++) c = (c << 1) | bit64(hi, lo, PC1[i]);
  for (let i = 28; i < 56; i++) d = (d << 1) | bit64(hi, lo, PC1[i]);
  const out = new Uint8Array(128);
  for (let round = 0; round < 16; round++) {
    const s = SHIFTS[round];
    c = ((c << s) | (c >>> (28 - s))) & 0xfffffff;
    d = ((d << s) | (d >>> (28 - s))) & 0xfffffff;
    for (let g = 0; g < 8; g++) {
      let v = 0;
      for (let b = 0; b < 6; b++) {
        const n = PC2[g * 6 + b];
        v = (v << 1) | (n <= 28 ? (c >>> (28 - n)) & 1 : (d >>> (56 - n)) & 1);
      }
      out[round * 8 + g] = v;
    }
  }
  return out;
}

/** Applies a 64-entry bit table to a block held as two 32-bit halves. */
function permute(hi: number, lo: number, table: readonly number[]): [number, number] {
  let a = 0, b = 0;
  for (let i = 0; i < 32; i++) a = (a << 1) | bit64(hi, lo, table[i]);
  for (let i = 32; i < 64; i++) b = (b << 1) | bit64(hi, lo, table[i]);
  return [a >>> 0, b >>> 0];
}

const FP: number[] = (() => {
  const inverse = new Array<number>(64);
  IP.forEach((from, to) => (inverse[from - 1] = to + 1));
  return inverse;
})();

const rotl = (x: number, n: number) => ((x << n) | (x >>> (32 - n))) >>> 0;

/** DES-ECB encryption of one 8-byte block under an 8-byte key (parity bits ignored). */
export function desEncryptBlock(key: Uint8Array, block: Uint8Array): Uint8Array {
  const k = schedule(key);
  let [l, r] = permute(be32(block, 0), be32(block, 4), IP);
  for (let round = 0; round < 16; round++) {
    let f = 0;
    // E takes, for box j, bits 4j-1 .. 4j+4 of R (wrapping round): rotate them to the top.
    for (let j = 0; j < 8; j++) f |= SP[j][(rotl(r, (4 * j + 31) % 32) >>> 26) ^ k[round * 8 + j]];
    [l, r] = [r, (l ^ f) >>> 0];
  }
  const [a, b] = permute(r, l, FP);
  return Uint8Array.of(a >>> 24, a >>> 16, a >>> 8, a, b >>> 24, b >>> 16, b >>> 8, b);
}
