/**
 * IPsec and L2TP passthrough, each mode with one and with two inside clients. ESP and IKE are built by
 * hand here (an SPI, a sequence number and opaque bytes; an ISAKMP header with an initiator cookie), which
 * is all a NAT looks at.
 */
import assert from "node:assert/strict";
import { SECOND } from "../../../src/engine/time.ts";
import { formatIp, readIp } from "../../../src/wire/addr.ts";
import { PROTO_ESP } from "../../../src/wire/ipv4.ts";
import { drops, EXT, ip, type Lab, lab, listen, natLab, SERVER, SERVER2, wireCheck } from "./harness.ts";

function esp(spi: number, seq = 1): Uint8Array {
  const b = new Uint8Array(40);
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  v.setUint32(0, spi);
  v.setUint32(4, seq);
  for (let i = 8; i < b.length; i++) b[i] = (i * 37) & 0xff;
  return b;
}

/** An ISAKMP header (RFC 2408 §3.1): cookies, no payloads, Main Mode, length 28. */
function ike(cookie: number): Uint8Array {
  const b = new Uint8Array(28);
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  v.setUint32(4, cookie);
  b[17] = 0x10; // version 1.0
  b[18] = 2; // Identity Protection
  v.setUint32(24, 28);
  return b;
}

const sendEsp = (l: Lab, from: string, to: string, spi: number) =>
  l.dev(from).ip.sendIp(ip(to), PROTO_ESP, esp(spi));
const sendIke = (l: Lab, from: string, to: string, cookie: number, srcPort = 500) =>
  l.dev(from).ip.sendUdp(ip(to), srcPort, 500, ike(cookie));

/** ESP that reached `node` (hosts do not speak ESP, so it ends as a drop there): source, destination, SPI. */
function espAt(l: Lab, node: string) {
  return l.records
    .filter((r) => r.kind === "drop" && r.node === node && /IP protocol 50/.test(r.reason ?? ""))
    .map((r) => ({
      src: formatIp(readIp(r.bytes!, 12)),
      dst: formatIp(readIp(r.bytes!, 16)),
      spi: readIp(r.bytes!, 20),
    }));
}

const natDrops = (l: Lab) => drops(l, "nat").map((d) => d.reason!);
const setup = (config: Record<string, unknown>) => lab(natLab({ preset: "home-router", ...config }));

// ---- ipsec-passthrough: off --------------------------------------------------------------------------

Deno.test("ipsec off, one client: ESP and IKE are dropped with the setting to change", () => {
  const l = setup({ "ipsec-passthrough": "off" });
  listen(l, "server", 500, true);
  l.at(SECOND, () => sendIke(l, "laptop", SERVER, 1));
  l.at(2 * SECOND, () => sendEsp(l, "laptop", SERVER, 0x1001));
  l.at(3 * SECOND, () => sendEsp(l, "server", EXT, 0x2001));
  l.run(4 * SECOND);
  assert.deepEqual(natDrops(l), [
    "nat: ipsec-passthrough is off: IKE (UDP 500) from 192.168.1.10 dropped (outbound) — set ipsec-passthrough: single or spi",
    "nat: ipsec-passthrough is off: ESP (SPI 0x00001001) from 192.168.1.10 to 198.51.100.10 dropped — set ipsec-passthrough: single (or spi), or let the VPN use NAT-T (UDP 4500)",
    "nat: ipsec-passthrough is off: ESP (SPI 0x00002001) from 198.51.100.10 dropped — set ipsec-passthrough: single (or spi), or let the VPN use NAT-T (UDP 4500)",
  ]);
  assert.equal(espAt(l, "server").length, 0);
});

Deno.test("ipsec off, two clients: both are refused, but NAT-T on UDP 4500 passes", () => {
  const l = setup({ "ipsec-passthrough": "off" });
  const natt = listen(l, "server", 4500);
  l.at(SECOND, () => sendEsp(l, "laptop", SERVER, 0x1001));
  l.at(SECOND, () => sendEsp(l, "phone", SERVER, 0x1002));
  l.at(
    2 * SECOND,
    () => l.dev("laptop").ip.sendUdp(ip(SERVER), 4500, 4500, new Uint8Array([0xff]), {}, false),
  );
  l.at(
    2 * SECOND,
    () => l.dev("phone").ip.sendUdp(ip(SERVER), 4500, 4500, new Uint8Array([0xff]), {}, false),
  );
  l.run(3 * SECOND);
  assert.equal(natDrops(l).filter((r) => /ipsec-passthrough is off: ESP/.test(r)).length, 2);
  assert.deepEqual(natt.map((s) => [s.src, s.srcPort !== 0]), [[EXT, true], [EXT, true]]);
  assert.notEqual(natt[0].srcPort, natt[1].srcPort);
  wireCheck(l, "wan");
});

// ---- ipsec-passthrough: udp-only (no helper) -----------------------------------------------------------

Deno.test("udp-only, one client: IKE is translated like any UDP, ESP cannot pass", () => {
  const l = setup({ preset: "carrier-grade" });
  const ikeAtServer = listen(l, "server", 500);
  l.at(SECOND, () => sendIke(l, "laptop", SERVER, 1));
  l.at(2 * SECOND, () => sendEsp(l, "laptop", SERVER, 0x1001));
  l.run(3 * SECOND);
  assert.equal(ikeAtServer.length, 1);
  assert.notEqual(ikeAtServer[0].srcPort, 500, "carrier-grade does not preserve ports: IKE is 'mangled'");
  assert.match(
    natDrops(l)[0],
    /^nat: no IPsec passthrough \(ipsec-passthrough: udp-only\): ESP \(SPI 0x00001001\) from 192\.168\.1\.10 to 198\.51\.100\.10 dropped/,
  );
});

Deno.test("udp-only, two clients: both IKE exchanges get their own port, both ESP flows die", () => {
  const l = setup({ "ipsec-passthrough": "udp-only" });
  const ikeAtServer = listen(l, "server", 500);
  l.at(SECOND, () => sendIke(l, "laptop", SERVER, 1));
  l.at(SECOND, () => sendIke(l, "phone", SERVER, 2));
  l.at(2 * SECOND, () => sendEsp(l, "laptop", SERVER, 0x1001));
  l.at(2 * SECOND, () => sendEsp(l, "phone", SERVER, 0x1002));
  l.run(3 * SECOND);
  assert.equal(ikeAtServer[0].srcPort, 500, "home-router preserves the first one's port");
  assert.notEqual(ikeAtServer[1].srcPort, 500);
  assert.equal(natDrops(l).length, 2);
});

// ---- ipsec-passthrough: single -----------------------------------------------------------------------

Deno.test("single, one client: IKE keeps port 500 and ESP flows both ways", () => {
  const l = setup({ "ipsec-passthrough": "single" });
  const ikeAtServer = listen(l, "server", 500, true);
  const ikeAtLaptop = listen(l, "laptop", 500);
  l.at(SECOND, () => sendIke(l, "laptop", SERVER, 1));
  l.at(2 * SECOND, () => sendEsp(l, "laptop", SERVER, 0xc1));
  l.at(3 * SECOND, () => sendEsp(l, "server", EXT, 0x51));
  l.run(4 * SECOND);
  assert.equal(ikeAtServer[0].srcPort, 500);
  assert.equal(ikeAtLaptop.length, 1);
  assert.deepEqual(espAt(l, "server"), [{ src: EXT, dst: SERVER, spi: 0xc1 }]);
  assert.deepEqual(espAt(l, "laptop"), [{ src: SERVER, dst: "192.168.1.10", spi: 0x51 }]);
  const row = l.records.find((r) => r.kind === "state" && r.key === "esp 203.0.113.2 ↔ 198.51.100.10")!;
  assert.equal(row.value?.inside, "192.168.1.10");
  wireCheck(l, "wan");
});

Deno.test("single, two clients to one server: the second client's IKE and ESP are refused", () => {
  const l = setup({ "ipsec-passthrough": "single", "ipsec-keep-port-500": true });
  const ikeAtServer = listen(l, "server", 500);
  l.at(SECOND, () => sendIke(l, "laptop", SERVER, 1));
  l.at(SECOND + 500, () => sendIke(l, "phone", SERVER, 2));
  l.at(2 * SECOND, () => sendEsp(l, "laptop", SERVER, 0xc1));
  l.at(2 * SECOND + 500, () => sendEsp(l, "phone", SERVER, 0xc2));
  l.run(3 * SECOND);
  assert.equal(ikeAtServer.length, 1);
  assert.deepEqual(espAt(l, "server").map((e) => e.spi), [0xc1]);
  const [ikeRefused, espRefused] = natDrops(l);
  assert.match(
    ikeRefused,
    /^nat: ipsec-keep-port-500 is on: IKE from 192\.168\.1\.11:500 to 198\.51\.100\.10 dropped: outside port 500 towards 198\.51\.100\.10 is held by 192\.168\.1\.10 until 31\.001000/,
  );
  assert.match(
    espRefused,
    /^nat: ipsec-passthrough single: ESP \(SPI 0x000000c2\) from 192\.168\.1\.11 to 198\.51\.100\.10 refused: ESP with 198\.51\.100\.10 already belongs to 192\.168\.1\.10/,
  );
});

Deno.test("single, two clients to two servers: both work, each server tied to its client", () => {
  const l = setup({ "ipsec-passthrough": "single", "ipsec-keep-port-500": true });
  const a = listen(l, "server", 500, true);
  const b = listen(l, "server2", 500, true);
  const laptopIke = listen(l, "laptop", 500);
  const phoneIke = listen(l, "phone", 500);
  l.at(SECOND, () => sendIke(l, "laptop", SERVER, 1));
  l.at(SECOND, () => sendIke(l, "phone", SERVER2, 2));
  l.at(2 * SECOND, () => sendEsp(l, "laptop", SERVER, 0xc1));
  l.at(2 * SECOND, () => sendEsp(l, "phone", SERVER2, 0xc2));
  l.at(3 * SECOND, () => sendEsp(l, "server", EXT, 0x51));
  l.at(3 * SECOND, () => sendEsp(l, "server2", EXT, 0x52));
  l.run(4 * SECOND);
  assert.deepEqual([a[0].srcPort, b[0].srcPort], [500, 500], "port 500 shared, one per server");
  assert.equal(laptopIke.length, 1);
  assert.equal(phoneIke.length, 1);
  assert.deepEqual(espAt(l, "laptop").map((e) => e.spi), [0x51]);
  assert.deepEqual(espAt(l, "phone").map((e) => e.spi), [0x52]);
  assert.equal(natDrops(l).length, 0);
});

Deno.test("single with ipsec-keep-port-500 off: the second client's IKE leaves from another port", () => {
  const l = setup({ "ipsec-passthrough": "single", "ipsec-keep-port-500": false });
  const ikeAtServer = listen(l, "server", 500);
  l.at(SECOND, () => sendIke(l, "laptop", SERVER, 1));
  l.at(SECOND + 500, () => sendIke(l, "phone", SERVER, 2));
  l.run(2 * SECOND);
  assert.equal(ikeAtServer.length, 2);
  assert.equal(ikeAtServer[0].srcPort, 500);
  assert.notEqual(ikeAtServer[1].srcPort, 500);
});

// ---- ipsec-passthrough: spi --------------------------------------------------------------------------

Deno.test("spi, one client: the peer's SPI is learnt from its first ESP packet", () => {
  const l = setup({ "ipsec-passthrough": "spi" });
  l.at(SECOND, () => sendEsp(l, "laptop", SERVER, 0xc1));
  l.at(2 * SECOND, () => sendEsp(l, "server", EXT, 0x51));
  l.at(3 * SECOND, () => sendEsp(l, "server", EXT, 0x51));
  l.run(4 * SECOND);
  assert.deepEqual(espAt(l, "laptop").map((e) => e.spi), [0x51, 0x51]);
  const learnt = l.records.find((r) =>
    r.kind === "state" && /learnt inbound SPI 0x00000051/.test(r.summary)
  )!;
  assert.equal(learnt.value?.spi, "out 0x000000c1 in 0x00000051");
});

Deno.test("spi, two clients to one server: IKE shares port 500 by cookie, ESP is told apart by SPI", () => {
  const l = setup({ "ipsec-passthrough": "spi", "ipsec-keep-port-500": true });
  const ikeAtServer = listen(l, "server", 500, true);
  const laptopIke = listen(l, "laptop", 500);
  const phoneIke = listen(l, "phone", 500);
  l.at(SECOND, () => sendIke(l, "laptop", SERVER, 0xaaaa));
  l.at(SECOND + 500, () => sendIke(l, "phone", SERVER, 0xbbbb));
  l.at(2 * SECOND, () => sendEsp(l, "laptop", SERVER, 0xc1));
  l.at(3 * SECOND, () => sendEsp(l, "server", EXT, 0x51));
  l.at(4 * SECOND, () => sendEsp(l, "phone", SERVER, 0xc2));
  l.at(5 * SECOND, () => sendEsp(l, "server", EXT, 0x52));
  l.at(6 * SECOND, () => sendEsp(l, "server", EXT, 0x51));
  l.run(7 * SECOND);
  assert.deepEqual(ikeAtServer.map((s) => s.srcPort), [500, 500]);
  assert.equal(laptopIke.length, 1, "the laptop's cookie came back to the laptop");
  assert.equal(phoneIke.length, 1, "the phone's cookie came back to the phone");
  assert.equal(
    new DataView(phoneIke[0].payload.buffer, phoneIke[0].payload.byteOffset, phoneIke[0].payload.byteLength)
      .getUint32(4),
    0xbbbb,
  );
  assert.deepEqual(espAt(l, "laptop").map((e) => e.spi), [0x51, 0x51]);
  assert.deepEqual(espAt(l, "phone").map((e) => e.spi), [0x52]);
  assert.equal(natDrops(l).length, 0);
});

Deno.test("spi, two clients racing: an unknown SPI goes to the oldest waiting entry, which can be wrong", () => {
  const l = setup({ "ipsec-passthrough": "spi" });
  l.at(SECOND, () => sendEsp(l, "laptop", SERVER, 0xc1));
  l.at(SECOND + 500, () => sendEsp(l, "phone", SERVER, 0xc2));
  l.at(2 * SECOND, () => sendEsp(l, "server", EXT, 0x52)); // meant for the phone
  l.run(3 * SECOND);
  assert.deepEqual(espAt(l, "laptop").map((e) => e.spi), [0x52], "the router guessed the laptop");
  assert.equal(espAt(l, "phone").length, 0);
});

// ---- l2tp-passthrough ----------------------------------------------------------------------------------

Deno.test("l2tp on, one client: UDP 1701 goes out (port kept) and the LNS's answer comes back", () => {
  const l = setup({ "l2tp-passthrough": true });
  const atLns = listen(l, "server", 1701, true);
  const back = listen(l, "laptop", 1701);
  l.at(SECOND, () => l.dev("laptop").ip.sendUdp(ip(SERVER), 1701, 1701, new Uint8Array(12)));
  l.run(2 * SECOND);
  assert.deepEqual(atLns.map((s) => [s.src, s.srcPort]), [[EXT, 1701]]);
  assert.equal(back.length, 1);
});

Deno.test("l2tp on, two clients to one LNS: without keep-port the second gets another port", () => {
  const l = setup({ "l2tp-passthrough": true, "l2tp-keep-port-1701": false });
  const atLns = listen(l, "server", 1701, true);
  const laptop = listen(l, "laptop", 1701);
  const phone = listen(l, "phone", 1701);
  l.at(SECOND, () => l.dev("laptop").ip.sendUdp(ip(SERVER), 1701, 1701, new Uint8Array(12)));
  l.at(SECOND, () => l.dev("phone").ip.sendUdp(ip(SERVER), 1701, 1701, new Uint8Array(12)));
  l.run(2 * SECOND);
  assert.equal(atLns.length, 2);
  assert.equal(atLns[0].srcPort, 1701);
  assert.notEqual(atLns[1].srcPort, 1701);
  assert.equal(laptop.length + phone.length, 2);
});

Deno.test("l2tp on, two clients to one LNS with l2tp-keep-port-1701: only the first gets through", () => {
  const l = setup({ "l2tp-passthrough": true, "l2tp-keep-port-1701": true });
  const atLns = listen(l, "server", 1701);
  l.at(SECOND, () => l.dev("laptop").ip.sendUdp(ip(SERVER), 1701, 1701, new Uint8Array(12)));
  l.at(SECOND, () => l.dev("phone").ip.sendUdp(ip(SERVER), 1701, 1701, new Uint8Array(12)));
  l.run(2 * SECOND);
  assert.equal(atLns.length, 1);
  assert.match(
    natDrops(l)[0],
    /^nat: l2tp-keep-port-1701 is on: L2TP from 192\.168\.1\.11:1701 to 198\.51\.100\.10 dropped/,
  );
});

Deno.test("l2tp off, one client: UDP 1701 is dropped in both directions", () => {
  const l = setup({
    "l2tp-passthrough": false,
    "port-forwards": [{ proto: "udp", port: 1701, to: "192.168.1.10" }],
  });
  listen(l, "laptop", 1701);
  listen(l, "server", 1701);
  l.at(SECOND, () => l.dev("laptop").ip.sendUdp(ip(SERVER), 1701, 1701, new Uint8Array(12)));
  l.at(2 * SECOND, () => l.dev("server").ip.sendUdp(ip(EXT), 1701, 1701, new Uint8Array(12)));
  l.run(3 * SECOND);
  assert.deepEqual(natDrops(l), [
    "nat: l2tp-passthrough is off: UDP 1701 from 192.168.1.10 dropped (outbound) — set l2tp-passthrough: on",
    "nat: l2tp-passthrough is off: UDP 1701 from 198.51.100.10 dropped (inbound) — set l2tp-passthrough: on",
  ]);
});

Deno.test("l2tp off, two clients: both are dropped, other UDP still passes", () => {
  const l = setup({ "l2tp-passthrough": false });
  const other = listen(l, "server", 7);
  l.at(SECOND, () => l.dev("laptop").ip.sendUdp(ip(SERVER), 1701, 1701, new Uint8Array(12)));
  l.at(SECOND, () => l.dev("phone").ip.sendUdp(ip(SERVER), 40000, 1701, new Uint8Array(12)));
  l.at(SECOND, () => l.dev("phone").ip.sendUdp(ip(SERVER), 40000, 7, new Uint8Array(12)));
  l.run(2 * SECOND);
  assert.equal(natDrops(l).length, 2);
  assert.equal(other.length, 1);
});
