import assert from "node:assert/strict";
import { parseIp } from "../../src/wire/addr.ts";
import { encodeIpv4, PROTO_UDP } from "../../src/wire/ipv4.ts";
import { AUTH_CHAP_MD5, encodeIpcp, encodeLcp } from "../../src/wire/lcp.ts";
import {
  decodePpp,
  describePpp,
  encodePpp,
  PPP_CHAP,
  PPP_IP,
  PPP_IPCP,
  PPP_LCP,
  summarizePpp,
} from "../../src/wire/ppp.ts";
import { encodeChap } from "../../src/wire/chap.ts";

const bytes = (...values: number[]) => Uint8Array.from(values);

Deno.test("PPP frame is FF 03 + protocol + payload (RFC 1662 framing without HDLC flags/FCS)", () => {
  const wire = encodePpp({ protocol: PPP_LCP, payload: bytes(9, 1, 0, 8, 0, 0, 0, 0) });
  assert.deepEqual(wire, bytes(0xff, 0x03, 0xc0, 0x21, 9, 1, 0, 8, 0, 0, 0, 0));
  const back = decodePpp(wire);
  assert.ok(back.ok);
  assert.equal(back.value.protocol, PPP_LCP);
  assert.equal(back.value.addressControl, true);
  assert.equal(back.value.protocolCompressed, false);
  assert.deepEqual(back.value.payload, bytes(9, 1, 0, 8, 0, 0, 0, 0));
});

Deno.test("ACFC and PFC compressed headers decode; LCP is never compressed", () => {
  assert.deepEqual(
    encodePpp({ protocol: PPP_IP, payload: bytes(0x45) }, { acfc: true, pfc: true }),
    bytes(0x21, 0x45),
  );
  assert.deepEqual(
    encodePpp({ protocol: PPP_IPCP, payload: bytes() }, { acfc: true, pfc: true }),
    bytes(0x80, 0x21),
  );
  assert.deepEqual(
    encodePpp({ protocol: PPP_LCP, payload: bytes() }, { acfc: true, pfc: true }),
    bytes(0xff, 0x03, 0xc0, 0x21),
  );
  const compressed = decodePpp(bytes(0x21, 0x45, 0));
  assert.ok(compressed.ok);
  assert.equal(compressed.value.protocol, PPP_IP);
  assert.equal(compressed.value.addressControl, false);
  assert.equal(compressed.value.protocolCompressed, true);
  const acfcOnly = decodePpp(bytes(0xc2, 0x23, 1));
  assert.ok(acfcOnly.ok);
  assert.equal(acfcOnly.value.protocol, PPP_CHAP);
});

Deno.test("malformed PPP headers return errors", () => {
  assert.equal(decodePpp(bytes()).ok, false);
  assert.equal(decodePpp(bytes(0xff, 0x03)).ok, false);
  assert.equal(decodePpp(bytes(0xff, 0x03, 0xc0)).ok, false);
  assert.equal(decodePpp(bytes(0xff, 0x05, 0xc0, 0x21)).ok, false); // bad control
  assert.equal(decodePpp(bytes(0xff, 0x03, 0xc0, 0x22)).ok, false); // even protocol
});

Deno.test("summaries name the carried protocol", () => {
  const lcp = encodePpp({
    protocol: PPP_LCP,
    payload: encodeLcp({
      kind: "conf-req",
      id: 1,
      options: [{ type: "mru", mru: 1400 }, { type: "magic", magic: 0x1234abcd }, AUTH_CHAP_MD5],
    }),
  });
  assert.equal(summarizePpp(lcp), "LCP Conf-Req id 1 MRU 1400 magic 0x1234abcd auth CHAP-MD5");
  const ipcp = encodePpp({
    protocol: PPP_IPCP,
    payload: encodeIpcp({
      kind: "conf-ack",
      id: 2,
      options: [{ type: "ip-address", address: parseIp("10.9.0.2")! }],
    }),
  });
  assert.equal(summarizePpp(ipcp), "IPCP Conf-Ack id 2 addr 10.9.0.2");
  const chap = encodePpp({
    protocol: PPP_CHAP,
    payload: encodeChap({ kind: "success", id: 1, message: "" }),
  });
  assert.equal(summarizePpp(chap), "CHAP Success id 1");
  // A protocol without a dissector is named; CCP has one now, so its 2 bytes are too short a header.
  assert.equal(summarizePpp(bytes(0xff, 0x03, 0x80, 0x57, 1, 2)), "PPP IPv6CP len 2");
  assert.equal(
    summarizePpp(bytes(0xff, 0x03, 0x80, 0xfd, 1, 2)),
    "CCP malformed: truncated CCP header (2 bytes)",
  );
  assert.equal(
    summarizePpp(bytes(0xff, 0x03, 0x80, 0xfd, 1, 1, 0, 10, 18, 6, 1, 0, 0, 0x40)),
    "CCP Conf-Req id 1 MPPE 128-bit stateless",
  );
});

Deno.test("describePpp nests the inner IPv4 datagram at absolute offsets", () => {
  const inner = encodeIpv4({
    tos: 0,
    id: 1,
    dontFragment: false,
    moreFragments: false,
    fragmentOffset: 0,
    ttl: 64,
    protocol: PROTO_UDP,
    src: parseIp("10.9.0.2")!,
    dst: parseIp("10.1.0.5")!,
    options: new Uint8Array(0),
    payload: bytes(0, 7, 0, 7, 0, 8, 0, 0),
  });
  const frame = encodePpp({ protocol: PPP_IP, payload: inner });
  const outer = new Uint8Array(30 + frame.length);
  outer.set(frame, 30);
  const layers = describePpp(outer, 30);
  assert.equal(layers[0].name, "Point-to-Point Protocol");
  assert.deepEqual([layers[0].start, layers[0].end], [30, 34]);
  assert.equal(layers[1].start, 34); // IPv4 header starts after FF 03 00 21
  assert.equal(layers[1].end, 34 + 20);
  assert.match(summarizePpp(frame), /^IP 10\.9\.0\.2/);
});
