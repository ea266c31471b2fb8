/**
 * Where envelopes wait on a link: the widest envelope a link carries decides whether the link is long
 * enough to pass on the line; a narrower one follows it, so it never covers a word the label layout
 * put on the line because the widest would not be there.
 */
import assert from "node:assert/strict";
import { envelopeAt } from "../../web/app/envelope.ts";

const NODE = 20;
const narrow = { halfWidth: 25, halfHeight: 9 };
const wide = { halfWidth: 65, halfHeight: 9 };
// Clearance from a node's centre along x: 1.22 × 20 + half width + 4 px; 110 px fits only the narrow.
const [a, b] = [{ x: 0, y: 100 }, { x: 110, y: 100 }];

Deno.test("envelope: alone, a narrow envelope passes on a short line; with a wider one on the link, it waits beside the middle", () => {
  const alone = envelopeAt(a, b, 1, narrow, NODE);
  assert.equal(alone.y, 100, "on the line");
  assert.ok(alone.x > 55 && alone.x < 110, "near the receiver");
  const followsWidest = envelopeAt(a, b, 1, narrow, NODE, 0, 22, wide);
  assert.equal(followsWidest.x, 55, "beside the middle");
  assert.ok(followsWidest.y < 100 - narrow.halfHeight, "off the line, above it");
  const widest = envelopeAt(a, b, 0, wide, NODE);
  assert.equal(widest.x, 55);
  assert.ok(widest.y < 100);
});

Deno.test("envelope: on a link long enough for the widest, every envelope passes on the line", () => {
  const far = { x: 400, y: 100 };
  for (const f of [0, 0.5, 1]) {
    assert.equal(envelopeAt(a, far, f, narrow, NODE, 0, 22, wide).y, 100);
    assert.equal(envelopeAt(a, far, f, wide, NODE).y, 100);
  }
  assert.ok(
    envelopeAt(a, far, 0, narrow, NODE, 0, 22, wide).x < envelopeAt(a, far, 1, narrow, NODE, 0, 22, wide).x,
  );
});
