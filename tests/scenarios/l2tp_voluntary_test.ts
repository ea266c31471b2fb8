import assert from "node:assert/strict";
import { SECOND } from "../../src/engine/time.ts";
import { formatIp, parseIp } from "../../src/wire/addr.ts";
import { controlNames, dissect, logsOf, nodeOf, runLesson, sent, table } from "./l2tp_run.ts";

Deno.test("voluntary: the ping crosses the tunnel to the office server and comes back", () => {
  const run = runLesson("l2tp-voluntary");
  assert.ok(
    logsOf(run.records, "laptop").includes("3 packets transmitted, 3 received, 0% packet loss, time 2038ms"),
  );
  // On the office LAN the requests come from the pool address; the home address never appears there.
  const lan = sent(run.records, "office-lan").map((r) => dissect(r.bytes!)!);
  const requests = lan.filter((d) => d.icmp?.type === 8);
  assert.equal(requests.length, 3);
  assert.ok(
    requests.every((d) => formatIp(d.ip.src) === "10.10.99.100" && formatIp(d.ip.dst) === "10.10.0.5"),
  );
  assert.ok(lan.every((d) => formatIp(d.ip.src) !== "192.168.1.10" && formatIp(d.ip.dst) !== "192.168.1.10"));
  // On the home LAN the same pings only exist inside UDP 1701.
  const home = sent(run.records, "home-lan").map((r) => dissect(r.bytes!)!);
  assert.ok(home.every((d) => d.ip.protocol === 17), "nothing but UDP leaves the laptop");
  assert.equal(home.filter((d) => d.icmp?.type === 8).length, 3);
});

Deno.test("voluntary: lineage links the inner echo request to its PPP/L2TP/UDP/IP packets", () => {
  const run = runLesson("l2tp-voluntary");
  const encap = run.records.find((r) => r.kind === "encap" && r.node === "laptop")!;
  assert.ok(encap.parent !== undefined && encap.pkt !== undefined);
  // The outer packet is the one the laptop put on the wire: IP → UDP 1701 → L2TP data → PPP → IP → ICMP.
  const outer = sent(run.records, "home-lan", "laptop").find((r) => r.pkt === encap.pkt)!;
  const layers = dissect(outer.bytes!)!;
  assert.equal(formatIp(layers.ip.src), "192.168.1.10");
  assert.equal(formatIp(layers.ip.dst), "203.0.113.10");
  assert.equal(layers.udp!.dstPort, 1701);
  assert.equal(layers.l2tp!.kind, "data");
  assert.equal(layers.pppProtocol, 0x0021);
  assert.equal(formatIp(layers.inner!.src), "10.10.99.100");
  assert.equal(layers.icmp!.type, 8);
  const seq = (layers.icmp as { sequence: number }).sequence;
  // The home router rewrites the outer packet under the same id; the LNS takes the inner one out.
  assert.ok(run.records.some((r) => r.kind === "nat" && r.node === "home-router" && r.pkt === encap.pkt));
  const decap = run.records.find((r) => r.kind === "decap" && r.node === "lns" && r.parent === encap.pkt)!;
  assert.ok(decap, "the LNS decapsulates the very packet the laptop sent");
  const delivered = sent(run.records, "office-lan", "lns").find((r) => r.pkt === decap.pkt)!;
  const inner = dissect(delivered.bytes!)!;
  assert.equal(inner.icmp!.type, 8);
  assert.equal((inner.icmp as { sequence: number }).sequence, seq);
  // And back: the reply the server sends is wrapped at the LNS and unwrapped at the laptop.
  const reply = sent(run.records, "office-lan", "server").find((r) => dissect(r.bytes!)!.icmp?.type === 0)!;
  const back = run.records.find((r) => r.kind === "encap" && r.node === "lns" && r.parent === reply.pkt)!;
  assert.ok(run.records.some((r) => r.kind === "decap" && r.node === "laptop" && r.parent === back.pkt));
});

Deno.test("voluntary: control messages follow RFC 2661 (tunnel, call, then teardown)", () => {
  const run = runLesson("l2tp-voluntary");
  // §5.1 and §7.2: SCCRQ/SCCRP/SCCCN, then the incoming call ICRQ/ICRP/ICCN; ZLBs acknowledge what
  // nothing else acknowledges (§5.8). Disconnecting sends CDN then StopCCN, each acknowledged.
  assert.deepEqual(controlNames(run.records, "office-wan"), [
    "SCCRQ",
    "SCCRP",
    "SCCCN",
    "ICRQ",
    "ZLB",
    "ICRP",
    "ICCN",
    "ZLB",
    "CDN",
    "StopCCN",
    "ZLB",
    "ZLB",
  ]);
  const tunnels = table(run.records, "laptop", "l2tp-tunnels");
  assert.equal([...tunnels.values()].at(-1)!.state, "closed");
  const sessions = table(run.records, "lns", "l2tp-sessions");
  const row = [...sessions.values()][0]!;
  assert.equal(row.user, "alice");
  assert.equal(row.address, "10.10.99.100");
});

Deno.test("voluntary: full tunnel routes everything into ppp0 but keeps the LNS behind the old gateway", () => {
  const run = runLesson("l2tp-voluntary", (m) => {
    m.script = m.script.filter((a) => a.command.name !== "vpn-disconnect");
  });
  const laptop = run.network.devices.get("laptop")!;
  const lookup = (dst: string) => laptop.ip.route(parseIp(dst)!)!;
  assert.equal(lookup("8.8.8.8").iface.name, "ppp0");
  assert.equal(lookup("10.10.0.5").iface.name, "ppp0");
  assert.equal(lookup("203.0.113.10").iface.name, "eth0");
  assert.equal(formatIp(lookup("203.0.113.10").nextHop), "192.168.1.1");
  const ppp0 = laptop.ip.interface("ppp0")!;
  assert.equal(formatIp(ppp0.ip), "10.10.99.100");
  assert.equal(formatIp(ppp0.peer!), "10.10.99.1");
  assert.equal(ppp0.mtu, 1400);
  assert.deepEqual([...table(run.records, "laptop", "dns").values()][0], {
    servers: "10.10.0.53",
    via: "ppp0",
  });
});

Deno.test("voluntary: disconnecting removes ppp0 and puts the default route back", () => {
  const run = runLesson("l2tp-voluntary");
  const laptop = run.network.devices.get("laptop")!;
  assert.equal(laptop.ip.interface("ppp0"), undefined);
  const route = laptop.ip.route(parseIp("8.8.8.8")!)!;
  assert.equal(route.iface.name, "eth0");
  assert.equal(formatIp(route.nextHop), "192.168.1.1");
  assert.equal(laptop.ip.routes.routes.length, 2, "connected subnet and default route only");
  const lns = run.network.devices.get("lns")!;
  assert.equal(lns.ip.interfaces.filter((i) => i.name.startsWith("ppp")).length, 0);
  assert.deepEqual([...table(run.records, "lns", "ip-pool").values()].at(-1), {
    range: "10.10.99.100-10.10.99.199",
    used: 0,
    free: 100,
  });
});

Deno.test("voluntary: split tunnel sends only the office network through ppp0", () => {
  const run = runLesson("l2tp-voluntary", (m) => {
    const vpn = nodeOf(m, "laptop").config.vpn as Record<string, Record<string, unknown>>;
    vpn.office.routes = "split";
    vpn.office.networks = [{ ip: parseIp("10.10.0.0")!, prefixLength: 24 }];
    m.script = m.script.filter((a) => a.command.name !== "vpn-disconnect");
    m.script.push({
      ...m.script[1],
      at: 8 * SECOND,
      command: { name: "ping", args: { ...m.script[1].command.args, dst: "203.0.113.1", count: 1 } },
    });
  });
  const laptop = run.network.devices.get("laptop")!;
  assert.equal(laptop.ip.route(parseIp("10.10.0.5")!)!.iface.name, "ppp0");
  assert.equal(laptop.ip.route(parseIp("8.8.8.8")!)!.iface.name, "eth0");
  const logs = logsOf(run.records, "laptop");
  assert.ok(logs.some((l) => l.includes("split tunnel for 10.10.0.0/24")));
  assert.ok(logs.includes("3 packets transmitted, 3 received, 0% packet loss, time 2038ms"));
  assert.ok(
    logs.some((l) => /^1 packets transmitted, 1 received/.test(l)),
    "the internet ping goes around the tunnel",
  );
  const plain = sent(run.records, "home-lan", "laptop").map((r) => dissect(r.bytes!)!)
    .filter((d) => d.ip.protocol === 1);
  assert.equal(plain.length, 1, "one echo request in clear, to 203.0.113.1");
  assert.equal(formatIp(plain[0].ip.dst), "203.0.113.1");
});

Deno.test("voluntary: tunnel authentication and hidden AVPs between laptop and LNS", () => {
  const run = runLesson("l2tp-voluntary", (m) => {
    const vpn = nodeOf(m, "laptop").config.vpn as Record<string, Record<string, unknown>>;
    vpn.office.secret = "tunnel-secret";
    vpn.office["hide-avps"] = true;
    vpn.office.challenge = true;
    nodeOf(m, "lns").config.secret = "tunnel-secret";
    nodeOf(m, "lns").config["hide-avps"] = true;
  });
  assert.ok(
    logsOf(run.records, "laptop").includes("3 packets transmitted, 3 received, 0% packet loss, time 2038ms"),
  );
  const icrq = sent(run.records, "office-wan").map((r) => dissect(r.bytes!)!.l2tp)
    .find((l) => l?.kind === "control" && l.avps[0].type === "messageType" && l.avps[0].messageType === 10)!;
  assert.ok(icrq.kind === "control");
  assert.equal(icrq.avps[1].type, "randomVector");
  assert.ok(icrq.avps.some((a) => a.type === "hidden" && a.attrType === 14));
  const sccrq = sent(run.records, "office-wan").map((r) => dissect(r.bytes!)!.l2tp)[0]!;
  assert.ok(sccrq.kind === "control" && sccrq.avps.some((a) => a.type === "challenge"));
});

Deno.test("voluntary: two clients, one LNS: two tunnels, two addresses, both pings answered", () => {
  const run = runLesson("l2tp-fail-pool", (m) => {
    nodeOf(m, "lns").config.pool = { first: parseIp("10.10.99.100")!, last: parseIp("10.10.99.101")! };
    m.script.push({ ...m.script[2], node: "phone", at: 9 * SECOND });
  });
  const tunnels = [...table(run.records, "lns", "l2tp-tunnels").values()];
  assert.equal(tunnels.length, 2);
  assert.equal(new Set(tunnels.map((t) => t!.peer)).size, 2, "one public address, two NAT ports");
  const sessions = [...table(run.records, "lns", "l2tp-sessions").values()];
  assert.deepEqual(sessions.map((s) => s!.address).sort(), ["10.10.99.100", "10.10.99.101"]);
  assert.ok(logsOf(run.records, "laptop").some((l) => l.startsWith("2 packets transmitted, 2 received")));
  assert.ok(logsOf(run.records, "phone").some((l) => l.startsWith("2 packets transmitted, 2 received")));
});

Deno.test("voluntary: an LNS answering from port 1702 (§8.1) passes an address-filtering NAT, not a port-filtering one", () => {
  const answerFrom1702 = (preset: string) =>
    runLesson("l2tp-voluntary", (m) => {
      nodeOf(m, "lns").config["answer-port"] = 1702;
      nodeOf(m, "home-router").config.preset = preset;
      m.script = m.script.filter((a) => a.command.name !== "vpn-disconnect");
      m.duration = 40 * SECOND;
    });
  const home = answerFrom1702("home-router");
  assert.ok(logsOf(home.records, "laptop").some((l) => l.includes("peer answered from port 1702")));
  assert.ok(
    logsOf(home.records, "laptop").includes("3 packets transmitted, 3 received, 0% packet loss, time 2038ms"),
  );
  const linux = answerFrom1702("linux-conntrack");
  const drops = linux.records.filter((r) => r.kind === "drop" && r.node === "home-router");
  assert.ok(
    drops.length > 0 && drops.every((d) => d.summary.includes("203.0.113.10.1702")),
    "SCCRPs from 1702 are refused",
  );
  assert.ok(logsOf(linux.records, "laptop").some((l) => l.startsWith("Maximum retries exceeded for tunnel")));
});
