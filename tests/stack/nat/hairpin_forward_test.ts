import assert from "node:assert/strict";
import { SECOND } from "../../../src/engine/time.ts";
import { drops, EXT, ip, lab, listen, natLab, send, SERVER, STRANGER, wireCheck } from "./harness.ts";

Deno.test("hairpin on: an inside host reaches another through the outside address and sees its public endpoint", () => {
  const l = lab(natLab({ preset: "home-router", nat: { hairpin: true, filtering: "endpoint-independent" } }));
  listen(l, "server", 7);
  const phoneInbox = listen(l, "phone", 6000);
  l.at(SECOND, () => send(l, "phone", SERVER, 6000, 7)); // the phone's mapping: EXT:6000
  l.at(2 * SECOND, () => send(l, "laptop", EXT, 5000, 6000, "via the public address"));
  l.run(3 * SECOND);
  assert.equal(phoneInbox.length, 1);
  assert.equal(phoneInbox[0].src, EXT, "the phone sees the laptop's public address, not 192.168.1.10");
  assert.equal(phoneInbox[0].srcPort, 5000);
  const hair = l.records.find((r) => r.kind === "nat" && r.detail?.action === "hairpin")!;
  assert.deepEqual(hair.detail?.before, { src: "192.168.1.10:5000", dst: "203.0.113.2:6000" });
  assert.deepEqual(hair.detail?.after, { src: "203.0.113.2:5000", dst: "192.168.1.11:6000" });
  assert.equal(
    wireCheck(l, "lan").filter((p) => p.src === EXT).length,
    1,
    "valid checksums after two rewrites",
  );
});

Deno.test("hairpin off: the datagram is dropped with the setting to change", () => {
  const l = lab(natLab({ preset: "home-router", nat: { hairpin: false } }));
  listen(l, "server", 7);
  const phoneInbox = listen(l, "phone", 6000);
  l.at(SECOND, () => send(l, "phone", SERVER, 6000, 7));
  l.at(2 * SECOND, () => send(l, "laptop", EXT, 5000, 6000));
  l.run(3 * SECOND);
  assert.equal(phoneInbox.length, 0);
  const d = drops(l, "nat");
  assert.equal(d.length, 1);
  assert.match(
    d[0].reason!,
    /^nat: hairpin is off: 192\.168\.1\.10:5000 sent to the router's own outside address 203\.0\.113\.2:6000 \(a mapping of 192\.168\.1\.11:6000\) — set nat hairpin: true/,
  );
});

Deno.test("hairpin respects filtering: an address-and-port-dependent mapping refuses an uncontacted sender", () => {
  const l = lab(natLab({ preset: "linux-conntrack", nat: { hairpin: true } }));
  listen(l, "server", 7);
  listen(l, "phone", 6000);
  l.at(SECOND, () => send(l, "phone", SERVER, 6000, 7));
  l.at(2 * SECOND, () => send(l, "laptop", EXT, 5000, 6000));
  l.run(3 * SECOND);
  assert.match(
    drops(l, "nat")[0].reason!,
    /filtering is address-and-port-dependent: hairpinned UDP from 203\.0\.113\.2:5000/,
  );
});

Deno.test("port forward: an outside client reaches a server behind the NAT; its replies leave from the forwarded port", () => {
  const l = lab(natLab({
    preset: "symmetric",
    "port-forwards": [{ proto: "udp", port: 8000, to: "192.168.1.10", "to-port": 7 }],
  }));
  listen(l, "laptop", 7, true);
  const back = listen(l, "stranger", 4000);
  l.at(SECOND, () => send(l, "stranger", EXT, 4000, 8000, "knock"));
  l.run(2 * SECOND);
  assert.equal(back.length, 1);
  assert.equal(back[0].src, EXT);
  assert.equal(back[0].srcPort, 8000);
  const row = l.records.find((r) => r.kind === "state" && r.table === "nat")!;
  assert.equal(row.value?.state, "static");
  assert.equal(row.value?.expires, "never");
  assert.equal(row.value?.outside, "203.0.113.2:8000");
  // Permanent: still there long after any timeout.
  assert.equal(
    l.records.filter((r) => r.kind === "state" && r.table === "nat" && r.value === null).length,
    0,
  );
});

Deno.test("without a forward, unsolicited inbound traffic is dropped; packets to inside addresses too", () => {
  const l = lab(natLab({ preset: "full-cone" }));
  l.at(SECOND, () => send(l, "stranger", EXT, 4000, 8000));
  l.dev("internet").ip.routes.add({
    network: 0xc0a80100,
    prefixLength: 24,
    via: 0xcb007102,
    iface: "eth0",
    metric: 0,
    origin: "static",
  });
  l.at(2 * SECOND, () => send(l, "stranger", "192.168.1.10", 4000, 8000));
  l.run(3 * SECOND);
  const d = drops(l, "nat");
  assert.equal(d.length, 2);
  assert.match(
    d[0].reason!,
    /no NAT mapping for UDP 203\.0\.113\.2:8000: datagram from 198\.51\.100\.30:4000 dropped/,
  );
  assert.match(d[1].reason!, /addressed straight to inside address 192\.168\.1\.10 dropped/);
  void STRANGER;
});

Deno.test("the router's own traffic: from its outside address untouched, from its inside address masqueraded", () => {
  const l = lab(natLab({ preset: "home-router" }));
  const seen = listen(l, "server", 7);
  l.at(SECOND, () => l.dev("nat").ip.sendUdp(ip(SERVER), 4000, 7, new Uint8Array(1)));
  l.at(
    2 * SECOND,
    () => l.dev("nat").ip.sendUdp(ip(SERVER), 4001, 7, new Uint8Array(1), { src: ip("192.168.1.1") }),
  );
  l.run(3 * SECOND);
  assert.deepEqual(seen.map((s) => [s.src, s.srcPort]), [[EXT, 4000], [EXT, 4001]]);
  assert.equal(l.records.filter((r) => r.kind === "nat").length, 1);
});
