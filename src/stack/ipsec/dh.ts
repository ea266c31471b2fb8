/**
 * Diffie-Hellman over the MODP groups IKEv1 peers commonly offer: group 2 (RFC 2409 §6.2, 1024-bit)
 * and group 14 (RFC 3526 §3, 2048-bit), generator 2, in BigInt arithmetic: no platform crypto, since the
 * engine also runs in the browser.
 */
import type { DhGroupName } from "./config.ts";

const MODP_1024 = "ffffffffffffffffc90fdaa22168c234c4c6628b80dc1cd129024e088a67cc74020bbea63b139b22514a0879" +
  "8e3404ddef9519b3cd3a431b302b0a6df25f14374fe1356d6d51c245e485b576625e7ec6f44c42e9a637ed6b0bff5cb6f406b7ed" +
  "ee386bfb5a899fa5ae9f24117c4b1fe649286651ece65381ffffffffffffffff";

const MODP_2048 = "ffffffffffffffffc90fdaa22168c234c4c6628b80dc1cd129024e088a67cc74020bbea63b139b22514a0879" +
  "8e3404ddef9519b3cd3a431b302b0a6df25f14374fe1356d6d51c245e485b576625e7ec6f44c42e9a637ed6b0bff5cb6f406b7ed" +
  "ee386bfb5a899fa5ae9f24117c4b1fe649286651ece45b3dc2007cb8a163bf0598da48361c55d39a69163fa8fd24cf5f83655d23" +
  "dca3ad961c62f356208552bb9ed529077096966d670c354e4abc9804f1746c08ca18217c32905e462e36ce3be39e772c180e8603" +
  "9b2783a2ec07a28fb5c55df06f4c52c9de2bcbf6955817183995497cea956ae515d2261898fa051015728e5a8aacaa68ffffffff" +
  "ffffffff";

/** A MODP group: prime, generator and the byte length of its values. */
export interface ModpGroup {
  name: DhGroupName;
  id: number;
  prime: bigint;
  generator: bigint;
  length: number;
}

export const MODP_GROUPS: Record<DhGroupName, ModpGroup> = {
  modp1024: { name: "modp1024", id: 2, prime: BigInt("0x" + MODP_1024), generator: 2n, length: 128 },
  modp2048: { name: "modp2048", id: 14, prime: BigInt("0x" + MODP_2048), generator: 2n, length: 256 },
};

/**
 * base^exponent mod modulus (non-negative inputs). Exponentiation is most of an IKE exchange's cost,
 * so the generator of each MODP group gets a fixed-base table (built once, on first use) and any other
 * base a sliding window; both give exactly the number plain square-and-multiply would.
 */
export function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  if (exponent === 0n) return 1n;
  const table = base === 2n ? generatorTable(modulus) : undefined;
  if (table !== undefined) {
    const digits = exponent.toString(16);
    if (digits.length <= 2 * table.length) return fixedBasePow(table, digits, modulus);
  }
  return slidingWindowPow(base % modulus, exponent, modulus) % modulus;
}

/**
 * Bits per digit of the fixed-base table: 255 entries per byte of the exponent, so a 256-bit exponent
 * costs 32 multiplications (4-bit digits cost 64); the table is 2 MiB for modp2048, built in ~20 ms.
 */
const FIXED_WINDOW = 8;
/** Digit positions the table covers: exponents up to 2^264, past the 257 bits dhKeyPair can draw. */
const FIXED_DIGITS = 33;
const generatorTables = new Map<bigint, bigint[][]>();

/** The table of 2^(d·256^i) mod p for a MODP prime p (no other modulus is worth the memory). */
function generatorTable(modulus: bigint): bigint[][] | undefined {
  const cached = generatorTables.get(modulus);
  if (cached) return cached;
  if (modulus !== MODP_GROUPS.modp1024.prime && modulus !== MODP_GROUPS.modp2048.prime) return undefined;
  const table: bigint[][] = [];
  let power = 2n; // 2^(256^i)
  for (let i = 0; i < FIXED_DIGITS; i++) {
    const row = [1n, power];
    for (let d = 2; d < 1 << FIXED_WINDOW; d++) row.push((row[d - 1] * power) % modulus);
    table.push(row);
    power = (row[(1 << FIXED_WINDOW) - 1] * power) % modulus;
  }
  generatorTables.set(modulus, table);
  return table;
}

/** 2^e as the product of one table entry per byte of e (two hexadecimal digits): no squarings at all. */
function fixedBasePow(table: bigint[][], hexDigits: string, modulus: bigint): bigint {
  let result = 1n;
  for (let i = 0, end = hexDigits.length; end > 0; i++, end -= 2) {
    const digit = parseInt(hexDigits.slice(Math.max(0, end - 2), end), 16);
    if (digit === 0) continue;
    result = result === 1n ? table[i][digit] : (result * table[i][digit]) % modulus;
  }
  return result;
}

/** Left-to-right sliding window of up to 5 bits over the odd powers b, b^3, …, b^31. */
function slidingWindowPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  const width = 5;
  const square = (base * base) % modulus;
  const odd = [base];
  for (let i = 1; i < 1 << (width - 1); i++) odd.push((odd[i - 1] * square) % modulus);
  const bits = exponent.toString(2);
  let result = 1n;
  let i = 0;
  while (i < bits.length) {
    if (bits[i] === "0") {
      result = (result * result) % modulus;
      i++;
      continue;
    }
    let end = Math.min(i + width, bits.length);
    while (bits[end - 1] === "0") end--; // a window ends on a 1, so its value is odd
    for (let k = i; k < end && result !== 1n; k++) result = (result * result) % modulus;
    const power = odd[(parseInt(bits.slice(i, end), 2) - 1) >> 1];
    result = result === 1n ? power : (result * power) % modulus;
    i = end;
  }
  return result;
}

/** Two hexadecimal digits for every byte value. */
const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, "0"));

/** Big-endian bytes to a number (through hex text: shifting a growing BigInt byte by byte is quadratic). */
export function bytesToBigInt(bytes: Uint8Array): bigint {
  if (bytes.length === 0) return 0n;
  let hex = "";
  for (const byte of bytes) hex += HEX[byte];
  return BigInt("0x" + hex);
}

/**
 * A number as exactly `length` big-endian bytes: DH values in KE payloads and g^xy in the key
 * derivation are left-padded with zeros to the group's size (RFC 2409 §5). Bits above `length`
 * bytes are dropped, as a byte-by-byte conversion would.
 */
export function bigIntToBytes(n: bigint, length: number): Uint8Array {
  const out = new Uint8Array(length);
  const hex = n.toString(16);
  // The last 2·length digits are the bytes; a shorter text is the left padding.
  let digit = hex.length;
  for (let i = length - 1; i >= 0 && digit > 0; i--) {
    const from = Math.max(0, digit - 2);
    out[i] = parseInt(hex.slice(from, digit), 16);
    digit = from;
  }
  return out;
}

/** One side's key pair: the private exponent (from the device's PRNG) and g^x. */
export interface DhKeyPair {
  group: ModpGroup;
  privateValue: bigint;
  publicValue: Uint8Array;
}

/**
 * A key pair from `secret` random bytes. A 256-bit exponent gives the 128-bit security these groups
 * offer at most, as strongSwan's exponent sizes do, and keeps the exponentiation quick.
 */
export function dhKeyPair(group: ModpGroup, secret: Uint8Array): DhKeyPair {
  const x = bytesToBigInt(secret) % (group.prime - 2n) + 1n;
  return {
    group,
    privateValue: x,
    publicValue: bigIntToBytes(modPow(group.generator, x, group.prime), group.length),
  };
}

/**
 * g^xy from our pair and the peer's public value; null when the peer's value is not in (1, p-1). Each end
 * computes its own, from its own private value, as a real peer must: both ends usually run in this
 * process, but handing one end the other's result would let a node's key depend on another's secret.
 */
export function dhSharedSecret(pair: DhKeyPair, peerPublic: Uint8Array): Uint8Array | null {
  const y = bytesToBigInt(peerPublic);
  if (peerPublic.length !== pair.group.length || y <= 1n || y >= pair.group.prime - 1n) return null;
  return bigIntToBytes(modPow(y, pair.privateValue, pair.group.prime), pair.group.length);
}
