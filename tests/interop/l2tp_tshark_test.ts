/**
 * tshark judges the L2TP lessons: every capture decodes with no malformed packet and no checksum or
 * expert warning, and the message sequences it reads are the ones RFC 2661 (control connection and
 * incoming call, §5.1, §7.2, ZLB acknowledgements §5.8), RFC 1994 (CHAP), RFC 1334 (PAP) and RFC 1332
 * (IPCP) prescribe — checked against the RFCs' flows, not against what the simulator says it did.
 * Skipped without tshark, except under CI=true, where a missing tshark fails.
 */
import assert from "node:assert/strict";
import { simulate } from "../../src/sim.ts";
import { formatTopologyError, loadTopology } from "../../src/topology/load.ts";
import type { TopologyModel } from "../../src/topology/model.ts";
import { writePcap } from "../../src/trace/pcap.ts";
import {
  assertTsharkPresent,
  CHECKSUM_PREFS,
  fieldValues,
  problems,
  skipWithoutTshark,
  tshark,
} from "../helpers/tshark.ts";

const root = new URL("../../", import.meta.url).pathname;

/** Runs a lesson and writes one pcap per link; returns the directory. */
function capture(
  lesson: string,
  edit?: (model: TopologyModel) => void,
): { dir: string; pcap: (link: string) => string; links: string[] } {
  const loaded = loadTopology(Deno.readTextFileSync(`${root}topologies/${lesson}.yaml`), lesson);
  if (!loaded.ok) throw new Error(loaded.errors.map(formatTopologyError).join("\n"));
  edit?.(loaded.model);
  const run = simulate(loaded.model);
  const dir = Deno.makeTempDirSync({ prefix: `tunnel-lab-${lesson}-` });
  const links = run.links.map((l) => l.name);
  for (const link of links) Deno.writeFileSync(`${dir}/${link}.pcap`, writePcap(run.records, link));
  return { dir, pcap: (link) => `${dir}/${link}.pcap`, links };
}

/** L2TP control message types per frame, "ZLB" for a message without AVPs. */
function controlTypes(pcap: string): string[] {
  const out = tshark([
    "-r",
    pcap,
    ...CHECKSUM_PREFS,
    "-Y",
    "l2tp.type == 1",
    "-T",
    "fields",
    "-e",
    "frame.number",
    "-e",
    "l2tp.avp.message_type",
  ]);
  return out.split("\n").filter((l) => l.trim() !== "").map((l) => l.split("\t")[1] || "ZLB");
}

const NAMES: Record<string, string> = {
  "1": "SCCRQ",
  "2": "SCCRP",
  "3": "SCCCN",
  "4": "StopCCN",
  "6": "HELLO",
  "10": "ICRQ",
  "11": "ICRP",
  "12": "ICCN",
  "14": "CDN",
};
const named = (types: string[]) => types.map((t) => NAMES[t] ?? t);

function withCapture(
  lesson: string,
  check: (c: ReturnType<typeof capture>) => void,
  edit?: (model: TopologyModel) => void,
): void {
  assertTsharkPresent();
  const c = capture(lesson, edit);
  try {
    for (const link of c.links) assert.deepEqual(problems(c.pcap(link)), [], `${lesson}: ${link}`);
    check(c);
  } finally {
    Deno.removeSync(c.dir, { recursive: true });
  }
}

Deno.test({
  name: "tshark: voluntary tunnel — RFC 2661 control sequence, LCP, CHAP, IPCP and the inner ping",
  ignore: skipWithoutTshark,
  fn: () =>
    withCapture("l2tp-voluntary", (c) => {
      const wan = c.pcap("office-wan");
      // RFC 2661: SCCRQ → SCCRP → SCCCN sets up the tunnel (§5.1), ICRQ → ICRP → ICCN the call (§7.2);
      // a ZLB acknowledges a message nothing else answers (SCCCN, ICCN, CDN, StopCCN) (§5.8).
      assert.deepEqual(named(controlTypes(wan)), [
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
      // LCP (RFC 1661): each side's Configure-Request is acknowledged, then Terminate-Request/Ack.
      const lcp = fieldValues(wan, "ppp.code", "lcp");
      assert.deepEqual([...lcp].sort(), ["1", "1", "2", "2", "5", "6"]);
      assert.equal(
        fieldValues(wan, "lcp.opt.type", "lcp && ppp.code == 1").filter((t) => t.includes("3")).length,
        1,
        "only the LNS asks for an authentication protocol",
      );
      // CHAP (RFC 1994 §4): Challenge, Response, Success.
      assert.deepEqual(fieldValues(wan, "chap.code", "chap"), ["1", "2", "3"]);
      // IPCP (RFC 1332, RFC 1877): the client's last request carries the address and DNS the LNS gave it.
      const acks = tshark([
        "-r",
        wan,
        "-Y",
        "ipcp && ppp.code == 2",
        "-T",
        "fields",
        "-e",
        "ipcp.opt.ip_address",
        "-e",
        "ipcp.opt.pri_dns_address",
      ])
        .split("\n").filter((l) => l.trim() !== "");
      assert.ok(acks.includes("10.10.99.100\t10.10.0.53"), `IPCP acks: ${acks.join(" | ")}`);
      // The inner ping: ICMP inside PPP inside L2TP inside UDP, with the pool address.
      const inner = tshark([
        "-r",
        wan,
        "-Y",
        "l2tp && icmp",
        "-T",
        "fields",
        "-e",
        "ip.src",
        "-e",
        "icmp.type",
      ])
        .split("\n").filter((l) => l.trim() !== "");
      assert.equal(inner.length, 6);
      assert.ok(
        inner.every((l) =>
          l.startsWith("203.0.113.10,10.10.0.5\t") || l.startsWith("198.51.100.2,10.10.99.100\t")
        ),
        inner.join(" | "),
      );
    }),
});

Deno.test({
  name: "tshark: compulsory tunnel — the ICCN carries proxy LCP and proxy authentication AVPs 26-33",
  ignore: skipWithoutTshark,
  fn: () =>
    withCapture("l2tp-compulsory", (c) => {
      const backbone = c.pcap("backbone");
      assert.deepEqual(named(controlTypes(backbone)).slice(0, 8), [
        "SCCRQ",
        "SCCRP",
        "SCCCN",
        "ICRQ",
        "ZLB",
        "ICRP",
        "ICCN",
        "ZLB",
      ]);
      const avps = fieldValues(backbone, "l2tp.avp.type", "l2tp.avp.message_type == 12")[0].split(",");
      for (const type of ["26", "27", "28", "29", "30", "31", "32", "33"]) {
        assert.ok(avps.includes(type), `AVP ${type} in ${avps}`);
      }
      assert.deepEqual(fieldValues(backbone, "l2tp.avp.proxy_authen_name", "l2tp.avp.message_type == 12"), [
        "bob@corp.example",
      ]);
      assert.deepEqual(fieldValues(backbone, "l2tp.avp.proxy_authen_type", "l2tp.avp.message_type == 12"), [
        "2",
      ]);
      // With the proxy accepted the LNS only answers CHAP Success and goes on with IPCP.
      assert.deepEqual(fieldValues(backbone, "chap.code", "chap"), ["3"]);
      assert.ok(fieldValues(backbone, "ppp.code", "ipcp").length >= 4);
    }),
});

Deno.test({
  name: "tshark: L2TP alone is cleartext — the PAP password and the inner ping are readable",
  ignore: skipWithoutTshark,
  fn: () =>
    withCapture("l2tp-cleartext", (c) => {
      const backbone = c.pcap("backbone");
      assert.deepEqual(fieldValues(backbone, "pap.peer_id", "pap.code == 1"), ["alice"]);
      assert.deepEqual(fieldValues(backbone, "pap.password", "pap.code == 1"), ["wonderland"]);
      assert.deepEqual(
        fieldValues(backbone, "pap.code", "pap"),
        ["1", "2"],
        "RFC 1334: Authenticate-Request, then Ack",
      );
      assert.deepEqual(fieldValues(backbone, "icmp.type", "l2tp && icmp"), ["8", "0", "8", "0"]);
    }),
});

Deno.test({
  name: "tshark: wrong secret — StopCCN with result code 4, a challenge and its response on the wire",
  ignore: skipWithoutTshark,
  fn: () =>
    withCapture("l2tp-fail-secret", (c) => {
      const wan = c.pcap("office-wan");
      assert.deepEqual(fieldValues(wan, "l2tp.result_code", "l2tp.avp.message_type == 4"), ["4"]);
      assert.equal(
        fieldValues(wan, "frame.number", "l2tp.avp.message_type == 2 && l2tp.avp.type == 11").length,
        1,
      );
      assert.equal(
        fieldValues(wan, "frame.number", "l2tp.avp.message_type == 3 && l2tp.avp.type == 13").length,
        1,
      );
    }),
});

Deno.test({
  name: "tshark: hidden AVPs behind a Random Vector and tunnel authentication decode without warnings",
  ignore: skipWithoutTshark,
  fn: () =>
    withCapture("l2tp-voluntary", (c) => {
      const wan = c.pcap("office-wan");
      // The ICRQ's Assigned Session ID is sent with the H bit right after a Random Vector (36); tshark
      // shows a hidden AVP's flags but not its type, which is itself part of the hiding key.
      const icrq = fieldValues(wan, "l2tp.avp.type", "l2tp.avp.message_type == 10")[0].split(",");
      assert.deepEqual(icrq.slice(0, 2), ["0", "36"]);
      assert.ok(!icrq.includes("14"), "the Assigned Session ID is not readable");
      const hidden = fieldValues(wan, "l2tp.avp.hidden", "l2tp.avp.message_type == 10")[0].split(",");
      assert.ok(hidden.some((h) => h === "1" || h === "True"), hidden.join(","));
      assert.deepEqual(fieldValues(wan, "icmp.type", "l2tp && icmp"), ["8", "0", "8", "0", "8", "0"]);
    }, (m) => {
      const laptop = m.nodes.find((n) => n.name === "laptop")!;
      const office = (laptop.config.vpn as Record<string, Record<string, unknown>>).office;
      Object.assign(office, { secret: "tunnel-secret", challenge: true, "hide-avps": true });
      const lns = m.nodes.find((n) => n.name === "lns")!;
      Object.assign(lns.config, { secret: "tunnel-secret", "hide-avps": true });
    }),
});
