/**
 * tshark as the judge of our L2TP/PPP bytes: hand-built IPv4 + UDP 1701 + L2TP packets (every
 * message type, AVP and PPP option the state machines use) go into a raw-IPv4 pcap; tshark must
 * flag nothing as malformed or worth a warning and must decode the fields we meant to send.
 * Skips when tshark is absent, unless CI=true, where a missing tshark is a failure.
 */
import assert from "node:assert/strict";
import { chapResponse, fromHex, l2tpChallengeResponse } from "../../src/crypto/index.ts";
import { parseIp } from "../../src/wire/addr.ts";
import { encodeChap } from "../../src/wire/chap.ts";
import { encodeIcmp, ICMP_ECHO_REQUEST } from "../../src/wire/icmp.ts";
import { encodeIpv4, PROTO_ICMP, PROTO_UDP } from "../../src/wire/ipv4.ts";
import { encodeL2tp, type L2tpMessage } from "../../src/wire/l2tp.ts";
import { type Avp } from "../../src/wire/l2tp_avp.ts";
import { MSG } from "../../src/wire/l2tp_names.ts";
import { concealAvp } from "../../src/wire/l2tp_avp_hidden.ts";
import {
  AUTH_CHAP_MD5,
  AUTH_PAP,
  encodeIpcp,
  encodeLcp,
  encodeLcpOptions,
  type LcpOption,
} from "../../src/wire/lcp.ts";
import { encodePap } from "../../src/wire/pap.ts";
import { encodePpp, PPP_CHAP, PPP_IP, PPP_IPCP, PPP_LCP, PPP_PAP } from "../../src/wire/ppp.ts";
import { encodeUdp } from "../../src/wire/udp.ts";

const LAC = parseIp("192.0.2.10")!;
const LNS = parseIp("198.51.100.1")!;
const hex = (text: string) => fromHex(text)!;

function tsharkAvailable(): boolean {
  try {
    return new Deno.Command("tshark", { args: ["--version"], stdout: "null", stderr: "null" }).outputSync()
      .success;
  } catch {
    return false;
  }
}

function datagram(fromLac: boolean, l2tp: L2tpMessage, id: number): Uint8Array {
  const src = fromLac ? LAC : LNS;
  const dst = fromLac ? LNS : LAC;
  return encodeIpv4({
    tos: 0,
    id,
    dontFragment: false,
    moreFragments: false,
    fragmentOffset: 0,
    ttl: 64,
    protocol: PROTO_UDP,
    src,
    dst,
    options: new Uint8Array(0),
    payload: encodeUdp(src, dst, 1701, 1701, encodeL2tp(l2tp)),
  });
}

/** A classic pcap (microsecond timestamps) with linktype 101, raw IPv4. */
function pcap(packets: Uint8Array[]): Uint8Array {
  const size = 24 + packets.reduce((n, p) => n + 16 + p.length, 0);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  view.setUint32(0, 0xa1b2c3d4, true);
  view.setUint16(4, 2, true);
  view.setUint16(6, 4, true);
  view.setUint32(16, 65535, true);
  view.setUint32(20, 101, true);
  let at = 24;
  packets.forEach((packet, i) => {
    view.setUint32(at, 1_700_000_000 + i, true);
    view.setUint32(at + 8, packet.length, true);
    view.setUint32(at + 12, packet.length, true);
    out.set(packet, at + 16);
    at += 16 + packet.length;
  });
  return out;
}

function tshark(file: string, args: string[]): string {
  const result = new Deno.Command("tshark", {
    args: ["-r", file, "-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE", ...args],
    stdout: "piped",
    stderr: "piped",
  }).outputSync();
  const stderr = new TextDecoder().decode(result.stderr);
  assert.ok(result.success, `tshark failed: ${stderr}`);
  return new TextDecoder().decode(result.stdout);
}

const challengeLac = hex("0102030405060708090a0b0c0d0e0f10");
const challengeLns = hex("a1a2a3a4a5a6a7a8a9aaabacadaeafb0");
const chapChallenge = Uint8Array.from({ length: 16 }, (_, i) => 0x40 + i);
const rv = hex("00112233445566778899aabbccddeeff");
const lcpReq: LcpOption[] = [
  { type: "mru", mru: 1400 },
  { type: "accm", accm: 0 },
  AUTH_CHAP_MD5,
  { type: "magic", magic: 0x1234abcd },
  { type: "pfc" },
  { type: "acfc" },
];
const ctl = (tunnelId: number, sessionId: number, ns: number, nr: number, avps: Avp[]): L2tpMessage => ({
  kind: "control" as const,
  tunnelId,
  sessionId,
  ns,
  nr,
  avps,
});
const data = (protocol: number, payload: Uint8Array, compressed = false): L2tpMessage => ({
  kind: "data",
  tunnelId: 7,
  sessionId: 3,
  payload: encodePpp({ protocol, payload }, { acfc: compressed, pfc: compressed }),
});

const innerPing = encodeIpv4({
  tos: 0,
  id: 99,
  dontFragment: false,
  moreFragments: false,
  fragmentOffset: 0,
  ttl: 64,
  protocol: PROTO_ICMP,
  src: parseIp("10.9.0.2")!,
  dst: parseIp("10.1.0.5")!,
  options: new Uint8Array(0),
  payload: encodeIcmp({
    type: ICMP_ECHO_REQUEST,
    code: 0,
    identifier: 1,
    sequence: 1,
    data: new Uint8Array(8),
  }),
});

/** Each frame, who sends it, and what tshark must report for some of its fields. */
const frames: { fromLac: boolean; message: L2tpMessage; expect: Record<string, string> }[] = [
  {
    fromLac: true,
    message: ctl(0, 0, 0, 0, [
      { type: "messageType", messageType: MSG.SCCRQ },
      { type: "protocolVersion", version: 1, revision: 0 },
      { type: "hostName", name: "lac" },
      { type: "framingCapabilities", sync: true, async: true },
      { type: "bearerCapabilities", digital: true, analog: true },
      { type: "tieBreaker", value: 0x0102030405060708n },
      { type: "firmwareRevision", revision: 0x0690 },
      { type: "vendorName", name: "Tunnel Lab" },
      { type: "assignedTunnelId", id: 5 },
      { type: "receiveWindowSize", size: 4 },
      { type: "challenge", challenge: challengeLac },
    ]),
    expect: {
      "l2tp.avp.type": "0,2,7,3,4,5,6,8,9,10,11",
      "l2tp.avp.message_type": "1",
      "l2tp.avp.host_name": "lac",
      "l2tp.avp.assigned_tunnel_id": "5",
      "l2tp.avp.vendor_name": "Tunnel Lab",
      "l2tp.tie_breaker": "0x0102030405060708",
      "l2tp.tunnel": "0",
    },
  },
  {
    fromLac: false,
    message: ctl(5, 0, 0, 1, [
      { type: "messageType", messageType: MSG.SCCRP },
      { type: "protocolVersion", version: 1, revision: 0 },
      { type: "hostName", name: "lns" },
      { type: "framingCapabilities", sync: true, async: true },
      { type: "assignedTunnelId", id: 7 },
      { type: "challenge", challenge: challengeLns },
      { type: "challengeResponse", response: l2tpChallengeResponse(MSG.SCCRP, "secret", challengeLac) },
    ]),
    expect: { "l2tp.avp.message_type": "2", "l2tp.avp.assigned_tunnel_id": "7", "l2tp.Nr": "1" },
  },
  {
    fromLac: true,
    message: ctl(7, 0, 1, 1, [
      { type: "messageType", messageType: MSG.SCCCN },
      { type: "challengeResponse", response: l2tpChallengeResponse(MSG.SCCCN, "secret", challengeLns) },
    ]),
    expect: { "l2tp.avp.message_type": "3", "l2tp.avp.type": "0,13" },
  },
  { fromLac: false, message: ctl(5, 0, 1, 2, []), expect: { "l2tp.length": "12", "l2tp.avp.type": "" } },
  {
    fromLac: true,
    message: ctl(7, 0, 2, 1, [
      { type: "messageType", messageType: MSG.ICRQ },
      { type: "randomVector", vector: rv },
      concealAvp({ type: "assignedSessionId", id: 3 }, "secret", rv, Uint8Array.of(0, 0)),
      { type: "callSerialNumber", serial: 1 },
      { type: "bearerType", digital: false, analog: true },
      { type: "calledNumber", number: "1701" },
      { type: "callingNumber", number: "5551234" },
      { type: "physicalChannelId", id: 0 },
    ]),
    expect: {
      "l2tp.avp.message_type": "10",
      "l2tp.avp.calling_number": "5551234",
      "l2tp.avp.hidden": "0,0,1,0,0,0,0,0",
    },
  },
  {
    fromLac: false,
    message: ctl(5, 3, 2, 3, [
      { type: "messageType", messageType: MSG.ICRP },
      { type: "assignedSessionId", id: 9 },
    ]),
    expect: { "l2tp.avp.message_type": "11", "l2tp.avp.assigned_session_id": "9", "l2tp.session": "3" },
  },
  {
    fromLac: true,
    message: ctl(7, 9, 3, 3, [
      { type: "messageType", messageType: MSG.ICCN },
      { type: "txConnectSpeed", bps: 100000000 },
      { type: "framingType", sync: true, async: false },
      { type: "initialReceivedLcpConfReq", options: encodeLcpOptions(lcpReq) },
      {
        type: "lastSentLcpConfReq",
        options: encodeLcpOptions([{ type: "magic", magic: 0xcafef00d }, AUTH_CHAP_MD5]),
      },
      { type: "lastReceivedLcpConfReq", options: encodeLcpOptions(lcpReq) },
      { type: "proxyAuthenType", authType: 2 },
      { type: "proxyAuthenName", name: "alice" },
      { type: "proxyAuthenChallenge", challenge: chapChallenge },
      { type: "proxyAuthenId", id: 1 },
      { type: "proxyAuthenResponse", response: chapResponse(1, "alicepw", chapChallenge) },
      { type: "rxConnectSpeed", bps: 50000000 },
      { type: "sequencingRequired" },
    ]),
    expect: {
      "l2tp.avp.type": "0,24,19,26,27,28,29,30,31,32,33,38,39",
      "l2tp.avp.proxy_authen_name": "alice",
      "l2tp.avp.proxy_authen_id": "1",
      "l2tp.avp.connect_speed": "100000000",
      "lcp.opt.mru": "1400,1400",
    },
  },
  {
    fromLac: false,
    message: data(PPP_LCP, encodeLcp({ kind: "conf-req", id: 1, options: lcpReq })),
    expect: {
      "ppp.code": "1",
      "lcp.opt.mru": "1400",
      "lcp.opt.magic_number": "0x1234abcd",
      "lcp.opt.auth_protocol": "0xc223",
      "lcp.opt.algorithm": "5",
    },
  },
  {
    fromLac: true,
    message: data(PPP_LCP, encodeLcp({ kind: "conf-nak", id: 1, options: [{ type: "mru", mru: 1300 }] })),
    expect: { "ppp.code": "3", "lcp.opt.mru": "1300" },
  },
  {
    fromLac: true,
    message: data(
      PPP_LCP,
      encodeLcp({ kind: "conf-rej", id: 2, options: [{ type: "pfc" }, { type: "acfc" }] }),
    ),
    expect: { "ppp.code": "4" },
  },
  {
    fromLac: true,
    message: data(
      PPP_LCP,
      encodeLcp({ kind: "conf-ack", id: 3, options: [AUTH_PAP, { type: "magic", magic: 1 }] }),
    ),
    expect: { "ppp.code": "2", "lcp.opt.auth_protocol": "0xc023" },
  },
  {
    fromLac: false,
    message: data(PPP_CHAP, encodeChap({ kind: "challenge", id: 1, value: chapChallenge, name: "lns" })),
    expect: { "chap.code": "1", "chap.name": "lns", "chap.value": "404142434445464748494a4b4c4d4e4f" },
  },
  {
    fromLac: true,
    message: data(
      PPP_CHAP,
      encodeChap({
        kind: "response",
        id: 1,
        value: chapResponse(1, "alicepw", chapChallenge),
        name: "alice",
      }),
    ),
    expect: { "chap.code": "2", "chap.name": "alice" },
  },
  {
    fromLac: false,
    message: data(PPP_CHAP, encodeChap({ kind: "success", id: 1, message: "Access granted" })),
    expect: { "chap.code": "3", "chap.message": "Access granted" },
  },
  {
    fromLac: false,
    message: data(PPP_CHAP, encodeChap({ kind: "failure", id: 2, message: "Access denied" })),
    expect: { "chap.code": "4" },
  },
  {
    fromLac: true,
    message: data(PPP_PAP, encodePap({ kind: "auth-req", id: 1, peerId: "alice", password: "alicepw" })),
    expect: { "pap.code": "1", "pap.peer_id": "alice", "pap.password": "alicepw" },
  },
  {
    fromLac: false,
    message: data(PPP_PAP, encodePap({ kind: "auth-ack", id: 1, message: "ok" })),
    expect: { "pap.code": "2" },
  },
  {
    fromLac: false,
    message: data(PPP_PAP, encodePap({ kind: "auth-nak", id: 2, message: "no" })),
    expect: { "pap.code": "3" },
  },
  {
    fromLac: true,
    message: data(
      PPP_IPCP,
      encodeIpcp({
        kind: "conf-req",
        id: 1,
        options: [
          { type: "ip-address", address: 0 },
          { type: "primary-dns", address: 0 },
          { type: "secondary-dns", address: 0 },
        ],
      }),
    ),
    expect: { "ppp.code": "1", "ipcp.opt.ip_address": "0.0.0.0" },
  },
  {
    fromLac: false,
    message: data(
      PPP_IPCP,
      encodeIpcp({
        kind: "conf-nak",
        id: 1,
        options: [
          { type: "ip-address", address: parseIp("10.9.0.2")! },
          { type: "primary-dns", address: parseIp("10.1.0.53")! },
          { type: "secondary-dns", address: parseIp("10.1.0.54")! },
        ],
      }),
    ),
    expect: {
      "ppp.code": "3",
      "ipcp.opt.ip_address": "10.9.0.2",
      "ipcp.opt.pri_dns_address": "10.1.0.53",
      "ipcp.opt.sec_dns_address": "10.1.0.54",
    },
  },
  {
    fromLac: false,
    message: data(
      PPP_IPCP,
      encodeIpcp({
        kind: "conf-req",
        id: 5,
        options: [{ type: "ip-address", address: LNS }, {
          type: "primary-nbns",
          address: parseIp("10.1.0.55")!,
        }, { type: "secondary-nbns", address: parseIp("10.1.0.56")! }],
      }),
    ),
    expect: { "ppp.code": "1", "ipcp.opt.pri_nbns_address": "10.1.0.55" },
  },
  {
    fromLac: true,
    message: data(PPP_IP, innerPing),
    expect: { "ppp.protocol": "0x0021", "ip.src": "192.0.2.10,10.9.0.2", "icmp.type": "8" },
  },
  {
    fromLac: true,
    message: data(PPP_IP, innerPing, true),
    expect: { "ip.dst": "198.51.100.1,10.1.0.5", "icmp.type": "8" },
  },
  {
    fromLac: true,
    message: {
      kind: "data",
      tunnelId: 7,
      sessionId: 3,
      length: true,
      ns: 0,
      nr: 0,
      offsetSize: 4,
      payload: encodePpp({ protocol: PPP_IP, payload: innerPing }),
    },
    expect: { "l2tp.Ns": "0", "l2tp.offset": "4", "icmp.type": "8" },
  },
  {
    fromLac: false,
    message: data(
      PPP_LCP,
      encodeLcp({ kind: "echo-req", id: 4, magic: 0x1234abcd, data: new Uint8Array(0) }),
    ),
    expect: { "ppp.code": "9", "lcp.magic_number": "0x1234abcd" },
  },
  {
    fromLac: true,
    message: data(
      PPP_LCP,
      encodeLcp({ kind: "echo-reply", id: 4, magic: 0xcafef00d, data: new Uint8Array(0) }),
    ),
    expect: { "ppp.code": "10" },
  },
  {
    fromLac: true,
    message: data(
      PPP_LCP,
      encodeLcp({ kind: "discard-req", id: 6, magic: 0xcafef00d, data: Uint8Array.of(1, 2) }),
    ),
    expect: { "ppp.code": "11" },
  },
  {
    fromLac: false,
    message: data(
      PPP_LCP,
      encodeLcp({ kind: "proto-rej", id: 7, protocol: 0x80fd, rejected: Uint8Array.of(1, 1, 0, 4) }),
    ),
    // tshark also dissects the rejected CCP Conf-Req inside.
    expect: { "ppp.code": "8,1", "lcp.rej_proto": "0x80fd" },
  },
  {
    fromLac: false,
    message: data(PPP_LCP, encodeLcp({ kind: "code-rej", id: 8, rejected: Uint8Array.of(12, 1, 0, 4) })),
    expect: { "ppp.code": "7" },
  },
  {
    fromLac: true,
    message: data(PPP_LCP, encodeLcp({ kind: "term-req", id: 9, data: new Uint8Array(0) })),
    expect: { "ppp.code": "5" },
  },
  {
    fromLac: false,
    message: data(PPP_LCP, encodeLcp({ kind: "term-ack", id: 9, data: new Uint8Array(0) })),
    expect: { "ppp.code": "6" },
  },
  {
    fromLac: true,
    message: ctl(7, 9, 4, 3, [
      { type: "messageType", messageType: MSG.SLI },
      { type: "accm", send: 0xffffffff, receive: 0 },
    ]),
    expect: { "l2tp.avp.message_type": "16", "l2tp.avp.send_accm": "4294967295" },
  },
  {
    fromLac: false,
    message: ctl(5, 3, 3, 5, [
      { type: "messageType", messageType: MSG.CDN },
      { type: "resultCode", result: 2, error: 4, message: "address pool exhausted" },
      { type: "assignedSessionId", id: 9 },
    ]),
    expect: {
      "l2tp.avp.message_type": "14",
      "l2tp.result_code": "2",
      "l2tp.avp.error_code": "4",
      "l2tp.avp.error_message": "address pool exhausted",
    },
  },
  {
    fromLac: true,
    message: ctl(7, 0, 5, 4, [{ type: "messageType", messageType: MSG.HELLO }]),
    expect: { "l2tp.avp.message_type": "6" },
  },
  {
    fromLac: false,
    message: ctl(5, 0, 4, 6, [
      { type: "messageType", messageType: MSG.StopCCN },
      { type: "assignedTunnelId", id: 7 },
      { type: "resultCode", result: 4, error: 0 },
    ]),
    expect: { "l2tp.avp.message_type": "4" },
  },
];

Deno.test({
  name: "tshark decodes every L2TP/PPP message we build without a malformed packet or warning",
  ignore: !tsharkAvailable() && Deno.env.get("CI") !== "true",
  fn() {
    assert.ok(tsharkAvailable(), "tshark is required when CI=true (apt-get install -y tshark)");
    const file = Deno.makeTempFileSync({ suffix: ".pcap" });
    try {
      Deno.writeFileSync(file, pcap(frames.map((f, i) => datagram(f.fromLac, f.message, i + 1))));

      const problems = tshark(file, [
        "-Y",
        "_ws.malformed || _ws.expert.severity >= 0x00600000",
        "-T",
        "fields",
        "-e",
        "frame.number",
        "-e",
        "_ws.expert.message",
      ]);
      assert.equal(problems.trim(), "", `tshark flagged frames:\n${problems}`);

      const names = [...new Set(frames.flatMap((f) => Object.keys(f.expect)))];
      const out = tshark(file, [
        "-T",
        "fields",
        "-E",
        "separator=/t",
        "-E",
        "aggregator=,",
        ...names.flatMap((n) => ["-e", n]),
      ]);
      const rows = out.split("\n").filter((line) => line.length > 0).map((line) => line.split("\t"));
      assert.equal(rows.length, frames.length);
      frames.forEach((frame, i) => {
        for (const [name, expected] of Object.entries(frame.expect)) {
          assert.equal(rows[i][names.indexOf(name)], expected, `frame ${i + 1} field ${name}`);
        }
      });

      // The judge is awake: a bad UDP checksum and an AVP running past the message are flagged.
      const broken = datagram(true, frames[0].message, 100);
      broken[broken.length - 1] ^= 0xff;
      const badAvp = encodeL2tp(ctl(0, 0, 0, 0, [{ type: "messageType", messageType: MSG.HELLO }]));
      badAvp[13] = 0x20; // Message Type AVP claims 32 bytes in an 8-byte body
      const badAvpDatagram = encodeIpv4({
        tos: 0,
        id: 101,
        dontFragment: false,
        moreFragments: false,
        fragmentOffset: 0,
        ttl: 64,
        protocol: PROTO_UDP,
        src: LAC,
        dst: LNS,
        options: new Uint8Array(0),
        payload: encodeUdp(LAC, LNS, 1701, 1701, badAvp),
      });
      Deno.writeFileSync(file, pcap([broken, badAvpDatagram]));
      const flagged = tshark(file, [
        "-Y",
        "_ws.malformed || _ws.expert.severity >= 0x00600000",
        "-T",
        "fields",
        "-e",
        "frame.number",
      ]);
      assert.deepEqual(flagged.trim().split("\n"), ["1", "2"]);
      Deno.writeFileSync(file, pcap(frames.map((f, i) => datagram(f.fromLac, f.message, i + 1))));

      // Every L2TP packet is seen as L2TP version 2 over UDP 1701, and every data message as PPP.
      const protocols = tshark(file, ["-T", "fields", "-e", "frame.protocols"]).trim().split("\n");
      frames.forEach((frame, i) => {
        assert.match(protocols[i], /^raw:ip:udp:l2tp/, `frame ${i + 1}`);
        if (frame.message.kind === "data") assert.match(protocols[i], /:ppp/, `frame ${i + 1}`);
      });
    } finally {
      Deno.removeSync(file);
    }
  },
});
