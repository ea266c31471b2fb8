import assert from "node:assert/strict";
import { type ChapPacket, decodeChap, describeChap, encodeChap, summarizeChap } from "../../src/wire/chap.ts";
import { decodePap, describePap, encodePap, type PapPacket, summarizePap } from "../../src/wire/pap.ts";

const bytes = (...values: number[]) => Uint8Array.from(values);
const challenge = Uint8Array.from({ length: 16 }, (_, i) => i);

Deno.test("CHAP Challenge layout: Value-Size, Value, Name (RFC 1994 §4.1)", () => {
  const packet: ChapPacket = { kind: "challenge", id: 1, value: challenge, name: "lns" };
  const wire = encodeChap(packet);
  assert.deepEqual(wire, bytes(1, 1, 0, 24, 16, ...challenge, 0x6c, 0x6e, 0x73));
  const back = decodeChap(wire);
  assert.ok(back.ok);
  assert.deepEqual(back.value, packet);
  assert.equal(summarizeChap(wire), "CHAP Challenge id 1 name lns");
});

Deno.test("every CHAP code round-trips", () => {
  const packets: ChapPacket[] = [
    { kind: "response", id: 1, value: challenge.subarray(0, 16), name: "alice" },
    { kind: "success", id: 1, message: "Access granted" },
    { kind: "failure", id: 2, message: "" },
  ];
  for (const packet of packets) {
    const back = decodeChap(encodeChap(packet));
    assert.ok(back.ok);
    assert.deepEqual(back.value, packet);
  }
  assert.deepEqual(encodeChap(packets[2]), bytes(4, 2, 0, 4));
  assert.equal(summarizeChap(encodeChap(packets[1])), 'CHAP Success id 1 "Access granted"');
});

Deno.test("malformed CHAP returns errors", () => {
  assert.equal(decodeChap(bytes(1, 1, 0)).ok, false);
  assert.equal(decodeChap(bytes(1, 1, 0, 3)).ok, false);
  assert.equal(decodeChap(bytes(1, 1, 0, 9, 16, 1, 2, 3, 4)).ok, false); // Value-Size past the end
  assert.equal(decodeChap(bytes(1, 1, 0, 5, 0)).ok, false); // empty value
  assert.equal(decodeChap(bytes(9, 1, 0, 4)).ok, false); // unknown code
  assert.equal(decodeChap(bytes(2, 1, 0, 40, 1)).ok, false); // Length past the end
});

Deno.test("PAP Authenticate-Request layout (RFC 1334 §2.2.1)", () => {
  const packet: PapPacket = { kind: "auth-req", id: 1, peerId: "alice", password: "pw" };
  const wire = encodePap(packet);
  assert.deepEqual(wire, bytes(1, 1, 0, 13, 5, 0x61, 0x6c, 0x69, 0x63, 0x65, 2, 0x70, 0x77));
  const back = decodePap(wire);
  assert.ok(back.ok);
  assert.deepEqual(back.value, packet);
  assert.equal(summarizePap(wire), "PAP Auth-Req id 1 user alice");
});

Deno.test("PAP Ack and Nak round-trip; an Ack without Msg-Length is accepted", () => {
  for (
    const packet of [{ kind: "auth-ack", id: 3, message: "ok" }, {
      kind: "auth-nak",
      id: 4,
      message: "",
    }] as PapPacket[]
  ) {
    const back = decodePap(encodePap(packet));
    assert.ok(back.ok);
    assert.deepEqual(back.value, packet);
  }
  assert.deepEqual(encodePap({ kind: "auth-nak", id: 4, message: "" }), bytes(3, 4, 0, 5, 0));
  const bare = decodePap(bytes(2, 7, 0, 4));
  assert.ok(bare.ok);
  assert.deepEqual(bare.value, { kind: "auth-ack", id: 7, message: "" });
});

Deno.test("malformed PAP returns errors", () => {
  assert.equal(decodePap(bytes(1, 1)).ok, false);
  assert.equal(decodePap(bytes(1, 1, 0, 7, 5, 0x61, 0x62)).ok, false); // Peer-ID past the end
  assert.equal(decodePap(bytes(1, 1, 0, 8, 1, 0x61, 5, 0x70)).ok, false); // Passwd past the end
  assert.equal(decodePap(bytes(2, 1, 0, 6, 9, 0x61)).ok, false); // Msg past the end
  assert.equal(decodePap(bytes(5, 1, 0, 4)).ok, false);
});

Deno.test("CHAP and PAP field trees use absolute offsets", () => {
  const chap = encodeChap({ kind: "response", id: 1, value: challenge, name: "bob" });
  const outer = new Uint8Array(4 + chap.length);
  outer.set(chap, 4);
  const tree = describeChap(outer, 4);
  const name = tree.children!.find((f) => f.name === "Name")!;
  assert.equal(name.value, "bob");
  assert.deepEqual([name.start, name.end], [4 + 21, 4 + 24]);
  const pap = encodePap({ kind: "auth-req", id: 1, peerId: "alice", password: "pw" });
  const ptree = describePap(pap, 0);
  const pw = ptree.children!.find((f) => f.name === "Password")!;
  assert.equal(pw.value, "pw");
  assert.deepEqual([pw.start, pw.end], [11, 13]);
});
