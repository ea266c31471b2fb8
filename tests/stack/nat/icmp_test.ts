import assert from "node:assert/strict";
import { SECOND } from "../../../src/engine/time.ts";
import { formatIp, readIp } from "../../../src/wire/addr.ts";
import { internetChecksum } from "../../../src/wire/checksum.ts";
import { ICMP_ECHO_REQUEST, type IcmpMessage } from "../../../src/wire/icmp.ts";
import { drops, EXT, ip, lab, listen, natLab, send, SERVER, wireCheck } from "./harness.ts";

function collectIcmp(l: ReturnType<typeof lab>, name: string) {
  const got: { message: IcmpMessage; src: string; dst: string }[] = [];
  l.dev(name).ip.onIcmp((message, packet) =>
    got.push({ message, src: formatIp(packet.src), dst: formatIp(packet.dst) })
  );
  return got;
}

const echo = (identifier: number, sequence: number): IcmpMessage => ({
  type: ICMP_ECHO_REQUEST,
  code: 0,
  identifier,
  sequence,
  data: new Uint8Array(16),
});

Deno.test("ICMP echo identifiers are mapped: two inside hosts using the same id both get their replies", () => {
  const l = lab(natLab({ preset: "home-router" }));
  const laptop = collectIcmp(l, "laptop");
  const phone = collectIcmp(l, "phone");
  const server = collectIcmp(l, "server");
  l.at(SECOND, () => l.dev("laptop").ip.sendIcmp(ip(SERVER), echo(77, 1)));
  l.at(SECOND + 100, () => l.dev("phone").ip.sendIcmp(ip(SERVER), echo(77, 1)));
  l.run(2 * SECOND);
  const ids = server.map((g) => "identifier" in g.message ? g.message.identifier : -1);
  assert.equal(ids.length, 2);
  assert.equal(ids[0], 77, "the first keeps its identifier (preservation)");
  assert.notEqual(ids[1], 77, "the second needs another one outside");
  for (const g of server) assert.equal(g.src, EXT);
  const reply = (got: typeof laptop) => got.find((g) => g.message.type === 0)!;
  const idOf = (m: IcmpMessage) => "identifier" in m ? m.identifier : -1;
  assert.equal(idOf(reply(laptop).message), 77);
  assert.equal(idOf(reply(phone).message), 77);
  assert.equal(reply(phone).dst, "192.168.1.11");
  wireCheck(l, "wan");
  wireCheck(l, "lan");
});

/** The bytes the laptop put on the LAN for its first UDP datagram. */
function firstSent(l: ReturnType<typeof lab>): Uint8Array {
  return l.records.find((r) => r.kind === "tx" && r.node === "laptop" && r.bytes && r.bytes[9] === 17)!
    .bytes!;
}

/** The quote in an ICMP error must be the laptop's own datagram again (bar TTL and header checksum). */
function assertQuoteRestored(quoted: Uint8Array, original: Uint8Array) {
  const hl = (original[0] & 0x0f) * 4;
  for (let i = 0; i < hl + 8; i++) {
    if (i === 8 || i === 10 || i === 11) continue;
    assert.equal(quoted[i], original[i], `quoted byte ${i}`);
  }
  // Including the UDP checksum (bytes hl+6..7): the NAT's incremental updates on the way out and
  // back cancelled exactly. The quoted header's own checksum must match its (TTL-lowered) contents.
  assert.equal(internetChecksum(quoted, 0, hl), 0);
}

Deno.test("ICMP errors from outside are translated: port unreachable quotes the laptop's own datagram", () => {
  const l = lab(natLab({ preset: "home-router" }));
  const laptop = collectIcmp(l, "laptop");
  l.at(SECOND, () => send(l, "laptop", SERVER, 5000, 9)); // nothing listens on 9
  l.run(2 * SECOND);
  const error = laptop.find((g) => g.message.type === 3)!;
  assert.ok(error, "the laptop got the error");
  assert.equal(error.dst, "192.168.1.10");
  assert.ok("quoted" in error.message);
  assertQuoteRestored(error.message.quoted, firstSent(l));
  const rec = l.records.find((r) => r.kind === "nat" && r.detail?.action === "icmp-error")!;
  assert.match(rec.summary, /quoted 203\.0\.113\.2:5000 → 192\.168\.1\.10:5000/);
  wireCheck(l, "lan"); // the ICMP checksum is valid after the quote changed
});

Deno.test("ICMP time exceeded from a router beyond the NAT reaches the inside host", () => {
  const l = lab(natLab({ preset: "home-router" }));
  const laptop = collectIcmp(l, "laptop");
  l.at(SECOND, () => l.dev("laptop").ip.sendUdp(ip(SERVER), 5000, 7, new Uint8Array(4), { ttl: 2 }));
  l.run(2 * SECOND);
  const error = laptop.find((g) => g.message.type === 11)!;
  assert.ok(error);
  assert.equal(error.src, "203.0.113.1");
  assertQuoteRestored((error.message as { quoted: Uint8Array }).quoted, firstSent(l));
  wireCheck(l, "lan");
});

Deno.test("the NAT's own 'fragmentation needed' about a translated datagram goes back to the inside host", () => {
  const m = natLab({ preset: "home-router" });
  m.links.find((x) => x.name === "wan")!.mtu = 1000;
  const l = lab(m);
  const laptop = collectIcmp(l, "laptop");
  l.at(
    SECOND,
    () => l.dev("laptop").ip.sendUdp(ip(SERVER), 5000, 7, new Uint8Array(1200), { dontFragment: true }),
  );
  l.run(2 * SECOND);
  const error = laptop.find((g) => g.message.type === 3 && g.message.code === 4)!;
  assert.ok(error, "the laptop learns the path MTU");
  assert.equal((error.message as { mtu: number }).mtu, 1000);
  assert.equal(error.dst, "192.168.1.10");
  assertQuoteRestored((error.message as { quoted: Uint8Array }).quoted, firstSent(l));
});

Deno.test("an inside host's ICMP error about a forwarded datagram leaves with the outside address quoted", () => {
  const l = lab(natLab({
    preset: "home-router",
    "port-forwards": [{ proto: "udp", port: 8000, to: "192.168.1.10", "to-port": 8000 }],
  }));
  const stranger = collectIcmp(l, "stranger");
  l.at(SECOND, () => send(l, "stranger", EXT, 4000, 8000)); // nothing listens on the laptop
  l.run(2 * SECOND);
  const error = stranger.find((g) => g.message.type === 3)!;
  assert.ok(error);
  assert.equal(error.src, EXT);
  const quoted = (error.message as { quoted: Uint8Array }).quoted;
  assert.equal(internetChecksum(quoted, 0, 20), 0, "the quoted header's checksum was kept valid");
  assert.equal(formatIp(readIp(quoted, 16)), EXT);
  assert.equal((quoted[22] << 8) | quoted[23], 8000);
  wireCheck(l, "wan");
});

Deno.test("fragmented datagrams are translated both ways; the receivers reassemble valid UDP", () => {
  const m = natLab({ preset: "home-router" });
  m.links.find((x) => x.name === "dmz")!.mtu = 576;
  m.links.find((x) => x.name === "lan")!.mtu = 576;
  const l = lab(m);
  const atServer = listen(l, "server", 7, true);
  const atLaptop = listen(l, "laptop", 5000);
  const big = new Uint8Array(2000).map((_, i) => i & 0xff);
  l.at(SECOND, () => l.dev("laptop").ip.sendUdp(ip(SERVER), 5000, 7, big));
  l.run(2 * SECOND);
  assert.equal(atServer.length, 1, "reassembled at the server with a valid UDP checksum");
  assert.equal(atServer[0].src, EXT);
  assert.deepEqual(atServer[0].payload, big);
  assert.equal(atLaptop.length, 1, "the echo, fragmented by the server, came back in");
  assert.deepEqual(atLaptop[0].payload, big);
  const wan = wireCheck(l, "wan");
  assert.ok(wan.length >= 8);
  assert.ok(wan.every((p) => p.src === EXT || p.dst === EXT), "no fragment leaked an inside address");
  assert.equal(drops(l).length, 0);
});
