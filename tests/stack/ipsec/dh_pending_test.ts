/**
 * dhSharedSecret hands the second end of an exchange the g^xy the first end computed. These check that
 * the handed-over value is the one its own exponentiation gives, and that only true key pairs get one.
 */
import assert from "node:assert/strict";
import { Prng } from "../../../src/engine/prng.ts";
import {
  bigIntToBytes,
  bytesToBigInt,
  type DhKeyPair,
  dhKeyPair,
  dhSharedSecret,
  MODP_GROUPS,
  modPow,
} from "../../../src/stack/ipsec/dh.ts";

/** y^x computed here, the slow way the first end takes. */
function direct(pair: DhKeyPair, peer: Uint8Array): Uint8Array {
  return bigIntToBytes(modPow(bytesToBigInt(peer), pair.privateValue, pair.group.prime), pair.group.length);
}

Deno.test("dhSharedSecret: the second end's g^xy equals its own exponentiation, for many exchanges at once", () => {
  const rng = new Prng(12);
  for (const group of [MODP_GROUPS.modp1024, MODP_GROUPS.modp2048]) {
    const pairs = Array.from(
      { length: 20 },
      () => [dhKeyPair(group, rng.bytes(32)), dhKeyPair(group, rng.bytes(32))],
    );
    // Every first end computes before any second end does, as 20 clients' exchanges overlap.
    const first = pairs.map(([a, b]) => dhSharedSecret(a, b.publicValue)!);
    for (const [i, [a, b]] of pairs.entries()) {
      const second = dhSharedSecret(b, a.publicValue)!;
      assert.deepEqual(second, direct(b, a.publicValue), `${group.name} #${i}`);
      assert.deepEqual(second, first[i]);
      assert.notEqual(second, first[i], "each end gets its own copy");
    }
  }
});

Deno.test("dhSharedSecret: a pair that claims another's public value computes its own g^xy", () => {
  const rng = new Prng(13);
  const group = MODP_GROUPS.modp2048;
  const a = dhKeyPair(group, rng.bytes(32));
  const b = dhKeyPair(group, rng.bytes(32));
  const impostor: DhKeyPair = { group, privateValue: 12345n, publicValue: b.publicValue };
  dhSharedSecret(a, b.publicValue);
  assert.deepEqual(dhSharedSecret(impostor, a.publicValue), direct(impostor, a.publicValue));
  // A true pair whose private value was changed afterwards is no longer trusted either.
  const c = dhKeyPair(group, rng.bytes(32));
  const d = dhKeyPair(group, rng.bytes(32));
  dhSharedSecret(c, d.publicValue);
  d.privateValue += 1n;
  assert.deepEqual(dhSharedSecret(d, c.publicValue), direct(d, c.publicValue));
});

Deno.test("dhSharedSecret: a value waits for the matching pair only, not for an exchange with a third", () => {
  const rng = new Prng(14);
  const group = MODP_GROUPS.modp1024;
  const [a, b, c] = [0, 1, 2].map(() => dhKeyPair(group, rng.bytes(32)));
  dhSharedSecret(a, b.publicValue);
  assert.deepEqual(dhSharedSecret(c, a.publicValue), direct(c, a.publicValue));
  assert.deepEqual(dhSharedSecret(b, a.publicValue), direct(b, a.publicValue));
  assert.equal(dhSharedSecret(b, Uint8Array.of(1)), null);
});
