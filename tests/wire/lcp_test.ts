import assert from "node:assert/strict";
import { parseIp } from "../../src/wire/addr.ts";
import {
  AUTH_CHAP_MD5,
  AUTH_PAP,
  type CpPacket,
  decodeIpcp,
  decodeLcp,
  decodeLcpOptions,
  describeCp,
  encodeIpcp,
  encodeLcp,
  encodeLcpOptions,
  IPCP,
  type IpcpOption,
  LCP,
  type LcpOption,
  summarizeCp,
} from "../../src/wire/lcp.ts";

const bytes = (...values: number[]) => Uint8Array.from(values);
const ip = (text: string) => parseIp(text)!;

Deno.test("LCP Conf-Req with MRU, magic and CHAP-MD5 matches the RFC 1661 layout", () => {
  const packet: CpPacket<LcpOption> = {
    kind: "conf-req",
    id: 1,
    options: [{ type: "mru", mru: 1400 }, { type: "magic", magic: 0x1234abcd }, AUTH_CHAP_MD5],
  };
  const wire = encodeLcp(packet);
  // Code 1, Id 1, Length 19; MRU(1) len 4 0x0578; Magic(5) len 6; Auth(3) len 5 C223 05.
  assert.deepEqual(
    wire,
    bytes(1, 1, 0, 19, 1, 4, 0x05, 0x78, 5, 6, 0x12, 0x34, 0xab, 0xcd, 3, 5, 0xc2, 0x23, 5),
  );
  const back = decodeLcp(wire);
  assert.ok(back.ok);
  assert.deepEqual(back.value, packet);
  assert.equal(summarizeCp(LCP, wire), "LCP Conf-Req id 1 MRU 1400 magic 0x1234abcd auth CHAP-MD5");
});

Deno.test("every LCP option round-trips", () => {
  const options: LcpOption[] = [
    { type: "mru", mru: 1500 },
    { type: "accm", accm: 0 },
    AUTH_PAP,
    AUTH_CHAP_MD5,
    { type: "quality", protocol: 0xc025, data: bytes(0, 0, 0, 10) },
    { type: "magic", magic: 0xdeadbeef },
    { type: "pfc" },
    { type: "acfc" },
    { type: "raw", code: 13, data: bytes(6) },
  ];
  for (const kind of ["conf-req", "conf-ack", "conf-nak", "conf-rej"] as const) {
    const packet: CpPacket<LcpOption> = { kind, id: 42, options };
    const back = decodeLcp(encodeLcp(packet));
    assert.ok(back.ok, kind);
    assert.deepEqual(back.value, packet);
  }
  // PAP is C023 without an algorithm byte: option length 4.
  assert.deepEqual(encodeLcpOptions([AUTH_PAP]), bytes(3, 4, 0xc0, 0x23));
  assert.deepEqual(encodeLcpOptions([{ type: "pfc" }, { type: "acfc" }]), bytes(7, 2, 8, 2));
});

Deno.test("every LCP code round-trips (Term, Code-Rej, Proto-Rej, Echo, Discard, unknown)", () => {
  const packets: CpPacket<LcpOption>[] = [
    { kind: "term-req", id: 2, data: bytes(1, 2) },
    { kind: "term-ack", id: 2, data: bytes() },
    { kind: "code-rej", id: 3, rejected: bytes(12, 1, 0, 4) },
    { kind: "proto-rej", id: 4, protocol: 0x80fd, rejected: bytes(1, 1, 0, 4) },
    { kind: "echo-req", id: 5, magic: 0x01020304, data: bytes() },
    { kind: "echo-reply", id: 5, magic: 0x0a0b0c0d, data: bytes(9) },
    { kind: "discard-req", id: 6, magic: 0, data: bytes(7, 7) },
    { kind: "unknown", code: 12, id: 7, data: bytes(0, 0, 0, 0) },
  ];
  for (const packet of packets) {
    const back = decodeLcp(encodeLcp(packet));
    assert.ok(back.ok, packet.kind);
    assert.deepEqual(back.value, packet);
  }
  // Echo-Request: code 9, length 8, magic.
  assert.deepEqual(encodeLcp(packets[4]), bytes(9, 5, 0, 8, 1, 2, 3, 4));
  assert.equal(summarizeCp(LCP, encodeLcp(packets[4])), "LCP Echo-Req id 5 magic 0x01020304");
  assert.equal(summarizeCp(LCP, encodeLcp(packets[3])), "LCP Proto-Rej id 4 proto 0x80fd");
});

Deno.test("IPCP options (RFC 1332, RFC 1877) round-trip and summarize", () => {
  const options: IpcpOption[] = [
    { type: "ip-address", address: ip("0.0.0.0") },
    { type: "primary-dns", address: ip("10.1.0.53") },
    { type: "primary-nbns", address: ip("10.1.0.54") },
    { type: "secondary-dns", address: ip("10.1.0.55") },
    { type: "secondary-nbns", address: ip("10.1.0.56") },
    { type: "ip-compression", protocol: 0x002d, data: bytes(15, 1) },
  ];
  const packet: CpPacket<IpcpOption> = { kind: "conf-nak", id: 9, options };
  const wire = encodeIpcp(packet);
  assert.deepEqual(wire.subarray(0, 10), bytes(3, 9, 0, 4 + 5 * 6 + 6, 3, 6, 0, 0, 0, 0));
  assert.deepEqual(wire.subarray(10, 16), bytes(129, 6, 10, 1, 0, 53));
  const back = decodeIpcp(wire);
  assert.ok(back.ok);
  assert.deepEqual(back.value, packet);
  assert.equal(
    summarizeCp(IPCP, wire),
    "IPCP Conf-Nak id 9 addr 0.0.0.0 dns 10.1.0.53 nbns 10.1.0.54 dns2 10.1.0.55 nbns2 10.1.0.56 VJ-comp",
  );
});

Deno.test("IPCP has no Echo: codes 8-11 decode as unknown (to be Code-Rejected)", () => {
  const back = decodeIpcp(bytes(9, 1, 0, 8, 0, 0, 0, 0));
  assert.ok(back.ok);
  assert.equal(back.value.kind, "unknown");
});

Deno.test("malformed LCP/IPCP packets return errors", () => {
  assert.equal(decodeLcp(bytes(1, 1, 0)).ok, false); // truncated header
  assert.equal(decodeLcp(bytes(1, 1, 0, 3)).ok, false); // Length < 4
  assert.equal(decodeLcp(bytes(1, 1, 0, 9, 1, 4, 5)).ok, false); // Length past the end
  assert.equal(decodeLcp(bytes(1, 1, 0, 6, 1, 1)).ok, false); // option length < 2
  assert.equal(decodeLcp(bytes(1, 1, 0, 7, 1, 4, 5)).ok, false); // option past the end
  assert.equal(decodeLcp(bytes(1, 1, 0, 7, 1, 3, 5)).ok, false); // MRU of 3 bytes
  assert.equal(decodeLcp(bytes(9, 1, 0, 6, 0, 0)).ok, false); // Echo without magic
  assert.equal(decodeIpcp(bytes(1, 1, 0, 8, 3, 4, 0, 0)).ok, false); // IP-Address of 4 bytes
  assert.equal(decodeLcpOptions(bytes(5, 6, 1, 2)).ok, false);
});

Deno.test("bytes past Length are padding and ignored", () => {
  const back = decodeLcp(bytes(6, 3, 0, 4, 0xee, 0xee));
  assert.ok(back.ok);
  assert.deepEqual(back.value, { kind: "term-ack", id: 3, data: bytes() });
});

Deno.test("describeCp gives absolute byte ranges for each option", () => {
  const wire = encodeLcp({ kind: "conf-req", id: 1, options: [{ type: "mru", mru: 1400 }, AUTH_CHAP_MD5] });
  const outer = new Uint8Array(10 + wire.length);
  outer.set(wire, 10);
  const field = describeCp(LCP, outer, 10);
  assert.equal(field.start, 10);
  assert.equal(field.end, 10 + wire.length);
  const options = field.children!.find((f) => f.name === "Options")!;
  assert.equal(options.children!.length, 2);
  assert.deepEqual([options.children![0].start, options.children![0].end], [14, 18]);
  assert.equal(options.children![0].value, "MRU 1400");
  assert.deepEqual([options.children![1].start, options.children![1].end], [18, 23]);
  assert.equal(options.children![1].value, "auth CHAP-MD5");
});
