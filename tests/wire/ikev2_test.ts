/**
 * The IKEv2 codec: every payload body the stack uses survives encode → decode, the generic header
 * chain carries its next-payload types and lengths, and short or inconsistent input is an error
 * value, never an exception. The SK payload round trip (seal, open, tamper) is here too.
 */
import assert from "node:assert/strict";
import {
  decodeBody,
  decodeChain,
  decodeHeader,
  encodeBody,
  encodeMessage,
  F_INITIATOR,
  isIkev2,
  N,
  P,
  type Payload,
  PROTO,
  T,
  X,
} from "../../src/wire/ikev2.ts";
import { summarizeIkev2 } from "../../src/wire/ikev2_describe.ts";
import { openMessage, sealMessage } from "../../src/stack/ikev2/sk.ts";
import type { Ikev2Proposal } from "../../src/stack/ikev2/config.ts";

const SPI_I = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);
const ZERO = new Uint8Array(8);

const PAYLOADS: Payload[] = [
  {
    type: P.SA,
    proposals: [{
      num: 1,
      protocol: PROTO.ESP,
      spi: Uint8Array.of(0xc0, 0xff, 0xee, 0x01),
      transforms: [{ type: T.ENCR, id: 12, keyLength: 128 }, { type: T.INTEG, id: 12 }, {
        type: T.ESN,
        id: 0,
      }],
    }, {
      num: 2,
      protocol: PROTO.ESP,
      spi: Uint8Array.of(0xc0, 0xff, 0xee, 0x01),
      transforms: [{ type: T.ENCR, id: 20, keyLength: 256 }, { type: T.ESN, id: 0 }],
    }],
  },
  { type: P.KE, group: 31, data: new Uint8Array(32).fill(9) },
  { type: P.NONCE, data: new Uint8Array(32).fill(7) },
  {
    type: P.NOTIFY,
    protocol: 0,
    spi: new Uint8Array(0),
    notify: N.NAT_DETECTION_SOURCE_IP,
    data: new Uint8Array(20).fill(1),
  },
  {
    type: P.NOTIFY,
    protocol: PROTO.ESP,
    spi: Uint8Array.of(0, 0, 1, 0),
    notify: N.REKEY_SA,
    data: new Uint8Array(0),
  },
  { type: P.IDI, idType: 3, data: new TextEncoder().encode("laptop@example.org") },
  { type: P.AUTH, method: 2, data: new Uint8Array(32).fill(0x5a) },
  {
    type: P.CP,
    cfgType: 2,
    attributes: [{ type: 1, value: Uint8Array.of(10, 99, 0, 2) }, {
      type: 3,
      value: Uint8Array.of(10, 10, 0, 53),
    }],
  },
  {
    type: P.TSI,
    selectors: [{ protocol: 0, startPort: 0, endPort: 65535, start: 0x0a630002, end: 0x0a630002 }],
  },
  {
    type: P.TSR,
    selectors: [{ protocol: 17, startPort: 53, endPort: 53, start: 0x0a0a0000, end: 0x0a0a00ff }],
  },
  {
    type: P.DELETE,
    protocol: PROTO.ESP,
    spiSize: 4,
    spis: [Uint8Array.of(1, 2, 3, 4), Uint8Array.of(5, 6, 7, 8)],
  },
  { type: P.DELETE, protocol: PROTO.IKE, spiSize: 0, spis: [] },
];

Deno.test("every payload body round-trips", () => {
  for (const p of PAYLOADS) {
    const back = decodeBody(p.type, encodeBody(p));
    assert.ok(back.ok, `payload ${p.type}`);
    assert.deepEqual(back.value, p);
  }
});

Deno.test("a message: header fields, the chain's next-payload links and lengths", () => {
  const bytes = encodeMessage(
    { spiI: SPI_I, spiR: ZERO, exchange: X.IKE_SA_INIT, flags: F_INITIATOR, messageId: 0 },
    PAYLOADS.slice(0, 4),
  );
  assert.ok(isIkev2(bytes));
  const head = decodeHeader(bytes);
  assert.ok(head.ok);
  assert.equal(head.value.header.length, bytes.length);
  assert.equal(head.value.header.version, 0x20);
  assert.equal(head.value.header.nextPayload, P.SA);
  const chain = decodeChain(head.value.header.nextPayload, head.value.body);
  assert.ok(chain.ok);
  assert.deepEqual(chain.value.map((c) => c.type), [P.SA, P.KE, P.NONCE, P.NOTIFY]);
  assert.equal(bytes[IKEV2_AT_LAST_NEXT(bytes)], 0, "the last payload's next payload is NONE");
  assert.equal(summarizeIkev2(bytes), "IKEv2 IKE_SA_INIT request 0 [ SA KE No N(NATD_S_IP) ]");
});

/** Offset of the next-payload byte of the last payload in a chain. */
function IKEV2_AT_LAST_NEXT(bytes: Uint8Array): number {
  let at = 28;
  let next = bytes[16];
  let last = at;
  while (next !== 0) {
    last = at;
    next = bytes[at];
    at += (bytes[at + 2] << 8) | bytes[at + 3];
  }
  return last;
}

Deno.test("short, truncated and inconsistent input gives an error value", () => {
  assert.equal(decodeHeader(new Uint8Array(10)).ok, false);
  const bytes = encodeMessage(
    { spiI: SPI_I, spiR: ZERO, exchange: 34, flags: 8, messageId: 0 },
    PAYLOADS.slice(0, 2),
  );
  assert.equal(decodeHeader(bytes.subarray(0, bytes.length - 1)).ok, false, "length beyond the datagram");
  const v1 = bytes.slice();
  v1[17] = 0x10;
  assert.equal(isIkev2(v1), false);
  assert.equal(decodeHeader(v1).ok, false);
  const badLength = bytes.slice();
  badLength[28 + 3] = 200; // the SA payload claims more than there is
  const head = decodeHeader(badLength);
  assert.ok(head.ok);
  assert.equal(decodeChain(head.value.header.nextPayload, head.value.body).ok, false);
  assert.equal(decodeBody(P.KE, Uint8Array.of(0, 14)).ok, false);
  assert.equal(decodeBody(P.NOTIFY, Uint8Array.of(0, 9, 0, 1)).ok, false, "SPI size beyond the payload");
  assert.equal(
    decodeBody(P.DELETE, Uint8Array.of(3, 4, 0, 2, 1, 2, 3, 4)).ok,
    false,
    "two SPIs announced, one present",
  );
  assert.equal(decodeBody(P.SA, Uint8Array.of(0, 0, 0, 40, 1, 3, 4, 1)).ok, false);
});

const CBC: Ikev2Proposal = { encryption: "aes128", integrity: "sha256", prf: "sha256", group: "modp2048" };
const GCM: Ikev2Proposal = { encryption: "aes256gcm16", integrity: null, prf: "sha256", group: "curve25519" };

for (const proposal of [CBC, GCM]) {
  Deno.test(`SK payload (${proposal.encryption}): seal, open, and a flipped bit fails the integrity check`, () => {
    const aead = proposal.integrity === null;
    const keys = {
      proposal,
      enc: new Uint8Array(aead ? 36 : 16).fill(3),
      auth: new Uint8Array(aead ? 0 : 32).fill(4),
    };
    const header = {
      spiI: SPI_I,
      spiR: Uint8Array.of(8, 7, 6, 5, 4, 3, 2, 1),
      exchange: X.IKE_AUTH,
      flags: 8,
      messageId: 1,
    };
    const inner = PAYLOADS.slice(5, 10);
    const sealed = sealMessage(keys, header, inner, new Uint8Array(aead ? 8 : 16).fill(1));
    const head = decodeHeader(sealed);
    assert.ok(head.ok);
    assert.equal(head.value.header.nextPayload, P.SK);
    assert.equal(sealed[28], P.IDI, "the SK payload's next payload names the first inner payload");
    const opened = openMessage(keys, head.value.header, sealed);
    assert.ok(opened.ok, opened.ok ? "" : opened.error);
    assert.deepEqual(opened.value.payloads, inner);
    const tampered = sealed.slice();
    tampered[40] ^= 1;
    const bad = openMessage(keys, head.value.header, tampered);
    assert.equal(bad.ok, false);
    assert.match(bad.ok ? "" : bad.error, /integrity check of the SK payload failed/);
  });
}
