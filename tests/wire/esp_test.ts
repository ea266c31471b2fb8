import assert from "node:assert/strict";
import { fromHex } from "../../src/crypto/index.ts";
import { describe, protoLabel, summarize } from "../../src/wire/dissect.ts";
import {
  decodeEspHeader,
  describeEsp,
  encodeEspHeader,
  summarizeEsp,
  udpEncapDissector,
  udpEncapKind,
} from "../../src/wire/esp.ts";
import { encodeIpv4, PROTO_UDP } from "../../src/wire/ipv4.ts";
import { encodeIsakmp, EXCHANGE } from "../../src/wire/isakmp.ts";
import { encodeUdp } from "../../src/wire/udp.ts";

const SRC = 0xc633640a; // 198.51.100.10
const DST = 0xcb00710a; // 203.0.113.10
const esp = fromHex("c0ffee01 00000003" + "aa".repeat(48))!;

function datagram(protocol: number, payload: Uint8Array): Uint8Array {
  return encodeIpv4({
    tos: 0,
    id: 9,
    dontFragment: false,
    moreFragments: false,
    fragmentOffset: 0,
    ttl: 64,
    protocol,
    src: SRC,
    dst: DST,
    options: new Uint8Array(0),
    payload,
  });
}

Deno.test("ESP header: SPI and sequence number, big-endian (RFC 4303 §2.1, §2.2)", () => {
  assert.deepEqual(encodeEspHeader({ spi: 0xc0ffee01, seq: 3 }), fromHex("c0ffee0100000003"));
  const decoded = decodeEspHeader(esp);
  assert.ok(decoded.ok);
  assert.equal(decoded.value.spi, 0xc0ffee01);
  assert.equal(decoded.value.seq, 3);
  assert.equal(decoded.value.rest.length, 48);
  assert.equal(decodeEspHeader(esp.subarray(0, 7)).ok, false);
  const spiZero = decodeEspHeader(fromHex("0000000000000001")!);
  assert.ok(!spiZero.ok && /SPI 0 is reserved/.test(spiZero.error));
});

Deno.test("summary as tcpdump prints ESP; the tree shows SPI, sequence and the encrypted rest", () => {
  assert.equal(summarizeEsp(esp), "ESP(spi=0xc0ffee01,seq=0x3), length 56");
  const [tree] = describeEsp(esp, 0, esp.length);
  assert.equal(tree.name, "Encapsulating Security Payload");
  assert.deepEqual(tree.children!.map((f) => [f.name, f.start, f.end]), [
    ["ESP SPI", 0, 4],
    ["ESP Sequence", 4, 8],
    ["Encrypted payload", 8, 56],
  ]);
  assert.equal(tree.children![0].value, "0xc0ffee01");
  assert.equal(tree.children![1].value, "3");
});

Deno.test("IP protocol 50 is dissected as ESP in a whole datagram", () => {
  const ip = datagram(50, esp);
  assert.equal(protoLabel(ip), "ESP");
  assert.equal(summarize(ip), "198.51.100.10 > 203.0.113.10: ESP(spi=0xc0ffee01,seq=0x3), length 56");
  const tree = describe(ip);
  assert.equal(tree[1].name, "Encapsulating Security Payload");
  assert.equal(tree[1].start, 20);
  assert.equal(tree[1].end, 76);
});

Deno.test("UDP 4500 demultiplexes keepalive, non-ESP marker + IKE, and ESP (RFC 3948 §2.2, §2.3)", () => {
  const ike = encodeIsakmp({
    initiatorCookie: new Uint8Array(8).fill(1),
    responderCookie: new Uint8Array(8).fill(2),
    exchange: EXCHANGE.INFORMATIONAL,
    flags: 0,
    messageId: 0,
  }, [{ kind: "vid", data: new Uint8Array(16) }]);
  const marked = new Uint8Array(4 + ike.length);
  marked.set(ike, 4);
  assert.equal(udpEncapKind(Uint8Array.of(0xff)), "keepalive");
  assert.equal(udpEncapKind(marked), "ike");
  assert.equal(udpEncapKind(esp), "esp");
  assert.equal(udpEncapKind(Uint8Array.of(1, 2, 3)), "malformed");
  const over = (payload: Uint8Array) => datagram(PROTO_UDP, encodeUdp(SRC, DST, 4500, 4500, payload, false));
  assert.equal(protoLabel(over(marked)), "IKE");
  assert.equal(protoLabel(over(esp)), "ESP");
  assert.equal(summarize(over(Uint8Array.of(0xff))), "198.51.100.10.4500 > 203.0.113.10.4500: NAT-keepalive");
  assert.match(summarize(over(marked)), /4500: ISAKMP Informational \[ V \]$/);
  assert.match(summarize(over(esp)), /4500: UDP-encap ESP\(spi=0xc0ffee01,seq=0x3\), length 56$/);
  const ikeTree = udpEncapDissector.describe(marked, 0, marked.length);
  assert.deepEqual(ikeTree.map((f) => f.name), [
    "Non-ESP Marker",
    "Internet Security Association and Key Management Protocol",
  ]);
  assert.equal(ikeTree[1].start, 4);
  const udpTree = describe(over(esp));
  assert.match(udpTree[1].children![3].value, /\[none\]/, "UDP-encapsulated ESP carries checksum 0");
  assert.equal(udpTree[2].name, "Encapsulating Security Payload");
});
