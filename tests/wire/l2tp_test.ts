import assert from "node:assert/strict";
import { fromHex, hideAvp } from "../../src/crypto/index.ts";
import { type Avp, AVP_SPECS, decodeAvps, encodeAvp } from "../../src/wire/l2tp_avp.ts";
import { MSG } from "../../src/wire/l2tp_names.ts";
import { concealAvp, revealAvps } from "../../src/wire/l2tp_avp_hidden.ts";
import {
  decodeL2tp,
  describeL2tp,
  encodeL2tp,
  isZlb,
  type L2tpControl,
  type L2tpData,
  messageTypeOf,
  summarizeL2tp,
} from "../../src/wire/l2tp.ts";
import { encodeLcp } from "../../src/wire/lcp.ts";
import { encodePpp, PPP_LCP } from "../../src/wire/ppp.ts";

const bytes = (...values: number[]) => Uint8Array.from(values);
const hex = (text: string) => fromHex(text)!;

/** Decodes fill in the M bit; records built here leave it to the RFC default. */
function withM(avps: Avp[]): Avp[] {
  return avps.map((avp) => {
    if (avp.mandatory !== undefined) return avp;
    const spec = avp.type === "hidden" || avp.type === "raw" ? undefined : AVP_SPECS[avp.type];
    return { ...avp, mandatory: spec?.mandatory ?? false };
  });
}

function roundTrip(message: L2tpControl): void {
  const back = decodeL2tp(encodeL2tp(message));
  assert.ok(back.ok, back.ok ? "" : back.error);
  assert.deepEqual(back.value, { ...message, avps: withM(message.avps) });
}

Deno.test("SCCRQ bytes follow RFC 2661 §3.1/§4.1 by hand", () => {
  const sccrq: L2tpControl = {
    kind: "control",
    tunnelId: 0,
    sessionId: 0,
    ns: 0,
    nr: 0,
    avps: [
      { type: "messageType", messageType: MSG.SCCRQ },
      { type: "protocolVersion", version: 1, revision: 0 },
      { type: "hostName", name: "lac" },
      { type: "framingCapabilities", sync: true, async: true },
      { type: "assignedTunnelId", id: 5 },
      { type: "receiveWindowSize", size: 4 },
    ],
  };
  const wire = encodeL2tp(sccrq);
  const expected = hex(
    "c802 003f 0000 0000 0000 0000" + // T L S ver 2, Length 12 + 8 + 8 + 9 + 10 + 8 + 8 = 63, tid 0, sid 0, Ns 0, Nr 0
      "8008 0000 0000 0001" + // M, len 8, vendor 0, Message Type = 1
      "8008 0000 0002 0100" + // Protocol Version 1.0
      "8009 0000 0007 6c6163" + // Host Name "lac"
      "800a 0000 0003 00000003" + // Framing Capabilities sync+async
      "8008 0000 0009 0005" + // Assigned Tunnel ID 5
      "8008 0000 000a 0004", // Receive Window Size 4
  );
  assert.deepEqual(wire, expected);
  assert.equal(summarizeL2tp(wire), "L2TP SCCRQ tid 0 Ns 0 Nr 0");
  roundTrip(sccrq);
});

Deno.test("every message type round-trips with the AVPs it carries", () => {
  const lcpOptions = hex("010405780506deadbeef0305c22305");
  const cases: [number, Avp[]][] = [
    [MSG.SCCRQ, [
      { type: "protocolVersion", version: 1, revision: 0 },
      { type: "hostName", name: "lac.example" },
      { type: "framingCapabilities", sync: false, async: true },
      { type: "bearerCapabilities", digital: true, analog: false },
      { type: "tieBreaker", value: 0x0123456789abcdefn },
      { type: "firmwareRevision", revision: 0x0690 },
      { type: "vendorName", name: "Tunnel Lab" },
      { type: "assignedTunnelId", id: 0xbeef },
      { type: "receiveWindowSize", size: 8 },
      { type: "challenge", challenge: hex("00112233445566778899") },
    ]],
    [MSG.SCCRP, [
      { type: "protocolVersion", version: 1, revision: 0 },
      { type: "hostName", name: "lns" },
      { type: "framingCapabilities", sync: true, async: true },
      { type: "assignedTunnelId", id: 7 },
      { type: "challengeResponse", response: new Uint8Array(16).fill(0xaa) },
    ]],
    [MSG.SCCCN, [{ type: "challengeResponse", response: new Uint8Array(16).fill(0x55) }]],
    [MSG.StopCCN, [
      { type: "assignedTunnelId", id: 7 },
      { type: "resultCode", result: 4, error: 0, message: "bad secret" },
    ]],
    [MSG.HELLO, []],
    [MSG.ICRQ, [
      { type: "assignedSessionId", id: 3 },
      { type: "callSerialNumber", serial: 0x01020304 },
      { type: "bearerType", digital: false, analog: true },
      { type: "physicalChannelId", id: 12 },
      { type: "calledNumber", number: "5551234" },
      { type: "callingNumber", number: "5559876" },
      { type: "subAddress", address: "7" },
      { type: "minimumBps", bps: 9600 },
      { type: "maximumBps", bps: 100000000 },
    ]],
    [MSG.ICRP, [{ type: "assignedSessionId", id: 9 }]],
    [MSG.ICCN, [
      { type: "txConnectSpeed", bps: 100000000 },
      { type: "rxConnectSpeed", bps: 50000000 },
      { type: "framingType", sync: true, async: false },
      { type: "initialReceivedLcpConfReq", options: lcpOptions },
      { type: "lastSentLcpConfReq", options: lcpOptions },
      { type: "lastReceivedLcpConfReq", options: lcpOptions },
      { type: "proxyAuthenType", authType: 2 },
      { type: "proxyAuthenName", name: "alice" },
      { type: "proxyAuthenChallenge", challenge: hex("0102030405060708") },
      { type: "proxyAuthenId", id: 17 },
      { type: "proxyAuthenResponse", response: new Uint8Array(16).fill(3) },
      { type: "sequencingRequired" },
    ]],
    [MSG.CDN, [
      { type: "resultCode", result: 3 },
      { type: "assignedSessionId", id: 9 },
    ]],
    [MSG.SLI, [{ type: "accm", send: 0xffffffff, receive: 0 }]],
    [MSG.WEN, [{
      type: "raw",
      vendorId: 0,
      attrType: 34,
      hidden: false,
      value: new Uint8Array(26),
      mandatory: true,
    }]],
    [MSG.OCRQ, [{
      type: "raw",
      vendorId: 311,
      attrType: 1,
      hidden: false,
      value: bytes(1, 2),
      mandatory: false,
    }]],
  ];
  for (const [messageType, avps] of cases) {
    const message: L2tpControl = {
      kind: "control",
      tunnelId: 7,
      sessionId: messageType >= MSG.ICRQ ? 3 : 0,
      ns: 0xfffe,
      nr: 0xffff,
      avps: [{ type: "messageType", messageType }, ...avps],
    };
    const back = decodeL2tp(encodeL2tp(message));
    assert.ok(back.ok, `type ${messageType}: ${back.ok ? "" : back.error}`);
    // A Result Code without an Error Code is still sent with Error Code 0, as xl2tpd requires.
    const expected = withM(message.avps).map((avp) =>
      avp.type === "resultCode" && avp.error === undefined ? { ...avp, error: 0 } : avp
    );
    assert.deepEqual(back.value, { ...message, avps: expected });
    assert.equal(messageTypeOf(back.value as L2tpControl), messageType);
  }
});

Deno.test("M bits follow RFC 2661: Tie Breaker, Firmware, Vendor, proxy AVPs are optional", () => {
  assert.equal(encodeAvp({ type: "tieBreaker", value: 1n })[0] & 0x80, 0);
  assert.equal(encodeAvp({ type: "firmwareRevision", revision: 1 })[0] & 0x80, 0);
  assert.equal(encodeAvp({ type: "vendorName", name: "x" })[0] & 0x80, 0);
  assert.equal(encodeAvp({ type: "proxyAuthenName", name: "x" })[0] & 0x80, 0);
  assert.equal(encodeAvp({ type: "hostName", name: "x" })[0] & 0x80, 0x80);
  assert.equal(encodeAvp({ type: "hostName", name: "x", mandatory: false })[0] & 0x80, 0);
  // Proxy Authen ID: reserved high byte, the CHAP identifier low.
  assert.deepEqual(encodeAvp({ type: "proxyAuthenId", id: 17 }), hex("0008 0000 0020 0011"));
  // Result Code always carries the Error Code field.
  assert.deepEqual(encodeAvp({ type: "resultCode", result: 1 }), hex("800a 0000 0001 0001 0000"));
});

Deno.test("ZLB is the 12-byte header alone", () => {
  const zlb: L2tpControl = { kind: "control", tunnelId: 5, sessionId: 0, ns: 1, nr: 2, avps: [] };
  const wire = encodeL2tp(zlb);
  assert.deepEqual(wire, hex("c802 000c 0005 0000 0001 0002"));
  const back = decodeL2tp(wire);
  assert.ok(back.ok);
  assert.ok(isZlb(back.value));
  assert.equal(summarizeL2tp(wire), "L2TP ZLB tid 5 Ns 1 Nr 2");
});

Deno.test("data messages: plain 0x0002 form and the optional L, S, O, P fields", () => {
  const ppp = encodePpp({
    protocol: PPP_LCP,
    payload: encodeLcp({ kind: "echo-req", id: 1, magic: 0x11223344, data: bytes() }),
  });
  const plain: L2tpData = { kind: "data", tunnelId: 5, sessionId: 3, payload: ppp };
  const wire = encodeL2tp(plain);
  assert.deepEqual(wire.subarray(0, 6), hex("0002 0005 0003"));
  assert.deepEqual(wire.subarray(6), ppp);
  const back = decodeL2tp(wire);
  assert.ok(back.ok);
  assert.deepEqual(back.value, plain);
  assert.equal(summarizeL2tp(wire), "L2TP data tid 5 sid 3: LCP Echo-Req id 1 magic 0x11223344");

  const full: L2tpData = {
    kind: "data",
    tunnelId: 5,
    sessionId: 3,
    payload: ppp,
    length: true,
    ns: 4,
    nr: 0,
    offsetSize: 2,
    priority: true,
  };
  const fullWire = encodeL2tp(full);
  // T=0 L S O P ver 2 = 0x4b02; Length; tid; sid; Ns; Nr; Offset Size 2; 2 pad bytes.
  assert.deepEqual(
    fullWire.subarray(0, 16),
    hex(`4b02 ${(16 + ppp.length).toString(16).padStart(4, "0")} 0005 0003 0004 0000 0002 0000`),
  );
  const fullBack = decodeL2tp(fullWire);
  assert.ok(fullBack.ok);
  assert.deepEqual(fullBack.value, full);
});

Deno.test("StopCCN and CDN summaries name the result code", () => {
  const stop = encodeL2tp({
    kind: "control",
    tunnelId: 9,
    sessionId: 0,
    ns: 3,
    nr: 2,
    avps: [
      { type: "messageType", messageType: MSG.StopCCN },
      { type: "assignedTunnelId", id: 1 },
      { type: "resultCode", result: 4 },
    ],
  });
  assert.equal(
    summarizeL2tp(stop),
    "L2TP StopCCN tid 9 Ns 3 Nr 2 result 4 (Requester is not authorized to establish a control connection)",
  );
  const cdn = encodeL2tp({
    kind: "control",
    tunnelId: 9,
    sessionId: 4,
    ns: 5,
    nr: 2,
    avps: [
      { type: "messageType", messageType: MSG.CDN },
      { type: "resultCode", result: 2, error: 4, message: "pool exhausted" },
      { type: "assignedSessionId", id: 8 },
    ],
  });
  assert.equal(
    summarizeL2tp(cdn),
    "L2TP CDN tid 9 sid 4 Ns 5 Nr 2 result 2 (Session disconnected for the reason indicated in Error Code), " +
      'error 4 (Insufficient resources to handle this operation now), "pool exhausted"',
  );
});

Deno.test("hidden AVPs: the PROTOCOLS.md vector on the wire, and reveal with the preceding Random Vector", () => {
  const rv = hex("00112233445566778899aabbccddeeff");
  const hidden = concealAvp({ type: "assignedTunnelId", id: 1 }, "secret", rv);
  const message: L2tpControl = {
    kind: "control",
    tunnelId: 0,
    sessionId: 0,
    ns: 0,
    nr: 0,
    avps: [{ type: "messageType", messageType: MSG.SCCRQ }, { type: "randomVector", vector: rv }, hidden],
  };
  const wire = encodeL2tp(message);
  // M and H set, length 10, vendor 0, type 9, hidden value 7efd3faf.
  assert.deepEqual(wire.subarray(wire.length - 10), hex("c00a 0000 0009 7efd3faf"));
  const back = decodeL2tp(wire);
  assert.ok(back.ok && back.value.kind === "control");
  const avps = (back.value as L2tpControl).avps;
  assert.equal(avps[2].type, "hidden");
  const revealed = revealAvps(avps, "secret");
  assert.ok(revealed.ok);
  assert.deepEqual(revealed.value[2], { type: "assignedTunnelId", id: 1, mandatory: true });
  // Padding hides the length and still reveals.
  const padded = concealAvp({ type: "hostName", name: "lns" }, "secret", rv, bytes(1, 2, 3, 4));
  assert.equal(padded.type === "hidden" && padded.value.length, 2 + 3 + 4);
  const revealedPadded = revealAvps([{ type: "randomVector", vector: rv }, padded], "secret");
  assert.ok(revealedPadded.ok);
  assert.deepEqual(revealedPadded.value[1], { type: "hostName", name: "lns", mandatory: true });
});

Deno.test("revealing fails without a Random Vector or with a wrong secret", () => {
  const rv = hex("00112233445566778899aabbccddeeff");
  const hidden: Avp = {
    type: "hidden",
    attrType: 9,
    value: hideAvp(9, bytes(0, 1), "secret", rv),
    mandatory: true,
  };
  assert.equal(revealAvps([hidden], "secret").ok, false);
  assert.equal(revealAvps([{ type: "randomVector", vector: rv }, hidden], "wrong").ok, false);
});

Deno.test("malformed L2TP returns errors, never throws", () => {
  const bad: [string, Uint8Array][] = [
    ["empty", bytes()],
    ["truncated header", hex("c802 000c 0005")],
    ["bad version 3", hex("c803 000c 0005 0000 0000 0000")],
    ["bad version 1", hex("c801 000c 0005 0000 0000 0000")],
    ["control without L", hex("8802 0005 0000 0000 0000")],
    ["control without S", hex("c002 0008 0005 0000")],
    ["length beyond bytes", hex("c802 0020 0005 0000 0000 0000")],
    ["length below header", hex("c802 0008 0005 0000 0000 0000")],
    ["AVP length < 6", hex("c802 0014 0000 0000 0000 0000 8004 0000 0000 0001")],
    ["AVP beyond end", hex("c802 0014 0000 0000 0000 0000 8010 0000 0000 0001")],
    ["AVP header truncated", hex("c802 0010 0000 0000 0000 0000 8008 0000")],
    ["first AVP not Message Type", hex("c802 0014 0000 0000 0000 0000 8008 0000 0009 0005")],
    ["Message Type of 3 bytes", hex("c802 0015 0000 0000 0000 0000 8009 0000 0000 000100")],
    [
      "Assigned Tunnel ID of 4 bytes",
      hex("c802 001e 0000 0000 0000 0000 8008 0000 0000 0001 800a 0000 0009 00000005"),
    ],
    [
      "Challenge Response of 15 bytes",
      hex("c802 0029 0000 0000 0000 0000 8008 0000 0000 0003 8015 0000 000d " + "00".repeat(15)),
    ],
    ["data truncated", hex("0002 0005")],
    ["data offset past end", hex("0202 0005 0003 0010 00")],
  ];
  for (const [what, input] of bad) {
    const result = decodeL2tp(input);
    assert.equal(result.ok, false, what);
    assert.ok(!result.ok && result.error.length > 0);
    assert.match(summarizeL2tp(input), /^L2TP malformed: /);
    assert.doesNotThrow(() => describeL2tp(input, 0));
  }
  assert.equal(decodeAvps(hex("8005 0000 0000")).ok, false);
});

Deno.test("describeL2tp: header fields and AVPs at absolute offsets, data nests PPP", () => {
  const control = encodeL2tp({
    kind: "control",
    tunnelId: 0,
    sessionId: 0,
    ns: 0,
    nr: 0,
    avps: [{ type: "messageType", messageType: MSG.SCCRQ }, { type: "hostName", name: "lac" }],
  });
  const outer = new Uint8Array(28 + control.length);
  outer.set(control, 28);
  const [l2tp] = describeL2tp(outer, 28);
  assert.equal(l2tp.value, "SCCRQ tid 0 Ns 0 Nr 0");
  assert.deepEqual([l2tp.start, l2tp.end], [28, 28 + control.length]);
  const host = l2tp.children!.find((f) => f.name === "AVP: Host Name")!;
  assert.equal(host.value, "lac");
  assert.deepEqual([host.start, host.end], [28 + 20, 28 + 29]);
  const ns = l2tp.children!.find((f) => f.name === "Ns")!;
  assert.deepEqual([ns.start, ns.end], [36, 38]);

  const ppp = encodePpp({
    protocol: PPP_LCP,
    payload: encodeLcp({ kind: "term-req", id: 1, data: bytes() }),
  });
  const data = encodeL2tp({ kind: "data", tunnelId: 5, sessionId: 3, payload: ppp });
  const layers = describeL2tp(data, 0);
  assert.deepEqual(layers.map((f) => f.name), [
    "Layer 2 Tunneling Protocol",
    "Point-to-Point Protocol",
    "PPP Link Control Protocol",
  ]);
  assert.deepEqual([layers[0].start, layers[0].end], [0, 6]);
  assert.deepEqual([layers[2].start, layers[2].end], [10, 14]);
});
