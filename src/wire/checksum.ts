/** RFC 1071 ones'-complement sum over `data[start, end)`, added to `initial`, not yet folded or inverted. */
export function onesSum(data: Uint8Array, start = 0, end = data.length, initial = 0): number {
  let sum = initial;
  let i = start;
  for (; i + 1 < end; i += 2) sum += (data[i] << 8) | data[i + 1];
  if (i < end) sum += data[i] << 8;
  return sum;
}

/** Folds carries and inverts: the value to put in a checksum field. */
export function finishChecksum(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return ~sum & 0xffff;
}

/** Internet checksum of a byte range. Over a range that includes a correct checksum it yields 0. */
export function internetChecksum(data: Uint8Array, start = 0, end = data.length): number {
  return finishChecksum(onesSum(data, start, end));
}

/**
 * RFC 1624 incremental update: the new checksum after one 16-bit word changed from `oldWord` to
 * `newWord`. NAT uses this so it never recomputes over payloads it does not own (and never leaves
 * a stale checksum).
 */
export function adjustChecksum(checksum: number, oldWord: number, newWord: number): number {
  let sum = (~checksum & 0xffff) + (~oldWord & 0xffff) + newWord;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}
