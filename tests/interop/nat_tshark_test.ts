/**
 * tshark judges the NAT's rewrites: on the WAN side every address is the public one (in headers and
 * in the datagrams ICMP errors quote), every checksum is valid, nothing is malformed, and the STUN,
 * IKE and ESP the NAT passed are decoded as such.
 */
import assert from "node:assert/strict";
import { SECOND } from "../../src/engine/time.ts";
import { writePcap } from "../../src/trace/pcap.ts";
import { PROTO_ESP } from "../../src/wire/ipv4.ts";
import { assertTsharkPresent, fieldValues, problems, skipWithoutTshark } from "../helpers/tshark.ts";
import { link, node } from "../helpers/model.ts";
import { EXT, ip, lab, listen, natLab, send, SERVER } from "../stack/nat/harness.ts";

/** The NAT lab plus an RFC 5780 STUN server on its own point-to-point link. */
function scenario() {
  const m = natLab({
    preset: "home-router",
    "ipsec-passthrough": "spi",
    nat: { filtering: "endpoint-independent", hairpin: true },
  });
  const internet = m.nodes.find((n) => n.name === "internet")!;
  internet.interfaces.push({ name: "eth2", ip: "192.0.2.1", prefixLength: 24, pos: internet.pos });
  m.nodes.push(node("stun", "stun-server", { eth0: "192.0.2.10/24" }, ["default via 192.0.2.1"], {
    "alternate-address": "192.0.2.11",
  }));
  m.links.push(link("stun-link", ["internet:eth2", "stun:eth0"]));
  m.links.find((x) => x.name === "dmz")!.mtu = 576; // the big datagram is fragmented at the server
  const l = lab(m);
  listen(l, "server", 7, true);
  listen(l, "laptop", 5000);
  listen(l, "server", 500, true);
  listen(l, "laptop", 500);
  listen(l, "phone", 6000);
  const ike = new Uint8Array(28); // ISAKMP header: cookie, version 1.0, Main Mode, length 28
  ike.set([0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88]);
  ike[17] = 0x10;
  ike[18] = 2;
  ike[27] = 28;
  const esp = new Uint8Array(48);
  esp.set([0, 0, 0, 0xc1, 0, 0, 0, 1]);
  l.at(SECOND, () => send(l, "laptop", SERVER, 5000, 7, "hello"));
  l.at(2 * SECOND, () => send(l, "laptop", SERVER, 5001, 40404, "nobody home")); // port unreachable
  l.at(3 * SECOND, () => l.dev("laptop").ip.sendUdp(ip(SERVER), 500, 500, ike));
  l.at(4 * SECOND, () => l.dev("laptop").ip.sendIp(ip(SERVER), PROTO_ESP, esp));
  l.at(
    4 * SECOND + 1000,
    () => l.dev("server").ip.sendIp(ip(EXT), PROTO_ESP, esp.map((b, i) => i === 3 ? 0x51 : b)),
  );
  l.at(5 * SECOND, () =>
    l.dev("laptop").runCommand({
      name: "ping",
      args: { dst: SERVER, count: 1, interval: SECOND, size: 56, ttl: 64, df: false },
    }));
  l.at(6 * SECOND, () => l.dev("laptop").ip.sendUdp(ip(SERVER), 5000, 7, new Uint8Array(1200).fill(0x5a)));
  l.at(7 * SECOND, () => send(l, "phone", SERVER, 6000, 7));
  l.at(8 * SECOND, () => send(l, "laptop", EXT, 5000, 6000, "hairpin")); // to the phone's public mapping
  l.at(9 * SECOND, () =>
    l.dev("laptop").runCommand({
      name: "nat-check",
      args: { server: "192.0.2.10", port: 3478, rto: 500_000, tries: 2 },
    }));
  l.run(30 * SECOND);
  return l;
}

Deno.test({
  name:
    "tshark: NAT-translated WAN and LAN captures are clean, checksummed and show only public addresses outside",
  ignore: skipWithoutTshark,
  fn() {
    assertTsharkPresent();
    const l = scenario();
    const dir = Deno.makeTempDirSync({ prefix: "tunnel-lab-nat-" });
    try {
      const wan = `${dir}/wan.pcap`;
      const lan = `${dir}/lan.pcap`;
      Deno.writeFileSync(wan, writePcap(l.records, "wan"));
      Deno.writeFileSync(lan, writePcap(l.records, "lan"));
      assert.deepEqual(problems(wan), []);
      assert.deepEqual(problems(lan), []);

      // Outside, no private address anywhere — not even inside the datagrams ICMP errors quote.
      const wanAddrs = fieldValues(wan, "ip.addr").flatMap((v) => v.split(","));
      assert.ok(wanAddrs.length > 20);
      assert.deepEqual(wanAddrs.filter((a) => a.startsWith("192.168.")), []);

      // Every UDP checksum tshark could verify is good (1); quoted ones are "unverified" (2).
      const udpStatus = fieldValues(wan, "udp.checksum.status").concat(
        fieldValues(lan, "udp.checksum.status"),
      )
        .flatMap((v) => v.split(","));
      assert.ok(udpStatus.filter((s) => s === "1").length > 10);
      assert.deepEqual(udpStatus.filter((s) => s !== "1" && s !== "2"), []);

      // The port unreachable: outside it quotes the public endpoint, inside the laptop's own.
      assert.deepEqual(fieldValues(wan, "ip.src", "icmp.type == 3"), ["198.51.100.10,203.0.113.2"]);
      assert.deepEqual(fieldValues(lan, "ip.src", "icmp.type == 3"), ["198.51.100.10,192.168.1.10"]);
      assert.deepEqual(fieldValues(lan, "udp.srcport", "icmp.type == 3"), ["5001"]);

      // IKE kept port 500 and its cookie; ESP went out with its SPI and the answer came in.
      assert.deepEqual(fieldValues(wan, "udp.srcport", "isakmp && ip.src == 203.0.113.2"), ["500"]);
      assert.deepEqual(fieldValues(wan, "isakmp.ispi", "isakmp").length, 2);
      assert.deepEqual(fieldValues(wan, "esp.spi", "esp"), ["0x000000c1", "0x00000051"]);
      assert.deepEqual(fieldValues(lan, "ip.dst", "esp"), ["198.51.100.10", "192.168.1.10"]);

      // The fragmented echo came back in pieces and every piece was translated.
      assert.ok(
        fieldValues(lan, "ip.dst", "ip.flags.mf == 1 || ip.frag_offset > 0").every((d) =>
          d === "192.168.1.10"
        ),
      );

      // Hairpin: on the LAN the phone receives it from the public address.
      assert.deepEqual(fieldValues(lan, "ip.src", "udp.srcport == 5000 && ip.dst == 192.168.1.11"), [EXT]);

      // STUN: the server tells the laptop the public endpoint it saw.
      const mapped = fieldValues(lan, "stun.att.ipv4", "stun.type == 0x0101").flatMap((v) => v.split(","));
      assert.ok(mapped.includes(EXT), mapped.join(" "));
      assert.ok(fieldValues(`${dir}/lan.pcap`, "stun.att.crc32.status", "stun").every((s) => s === "1"));
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  },
});
