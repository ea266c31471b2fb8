/**
 * Our IKEv1 against a real peer: Debian's strongSwan charon (driven by swanctl), in both roles, with
 * proposal lists, NAT-T forced and DPD. charon runs in a private network and mount namespace holding
 * only `lo` (so it touches neither the machine's IPsec state nor another charon's pid file), with its
 * IKE ports moved to 10500/14500. A relay inside the namespace (udp_unix_relay.ts) owns 127.0.0.2:500
 * and :4500, the simulated peer's sockets, and passes datagrams over a Unix socket to this test, which
 * injects them into the simulation from a bridge node at 127.0.0.1 (charon's ports seen as 500/4500,
 * so each side detects a NAT, which `encap = yes` forces anyway). Simulated time follows real time.
 *
 * charon cannot install ESP SAs here (no ESP in the kernel), so the test asserts on the IKE and Quick
 * Mode exchanges and on charon's log, not on ESP. Skipped without charon or namespaces, except under
 * CI=true, where .ci/run installs strongswan-charon and strongswan-swanctl and a missing one fails.
 */
import assert from "node:assert/strict";
import type { SimContext } from "../../src/engine/context.ts";
import { Prng } from "../../src/engine/prng.ts";
import { Scheduler } from "../../src/engine/scheduler.ts";
import { MS, SECOND } from "../../src/engine/time.ts";
import { buildNetwork } from "../../src/topology/build.ts";
import { Tracer } from "../../src/trace/tracer.ts";
import { parseIp } from "../../src/wire/addr.ts";
import { protoLabel, summarize } from "../../src/wire/dissect.ts";
import { link, model, node } from "../helpers/model.ts";

const CHARON = "/usr/lib/ipsec/charon";
const PSK = "interop-psk-5678";
const PORTS: Record<number, number> = { 10500: 500, 14500: 4500 };
const CHARON_PORT: Record<number, number> = { 500: 10500, 4500: 14500 };

function charonUsable(): boolean {
  try {
    const ok =
      new Deno.Command("unshare", { args: ["-m", "-n", "true"], stderr: "null" }).outputSync().success;
    return ok && Deno.statSync(CHARON).isFile && Deno.statSync("/usr/sbin/swanctl").isFile;
  } catch {
    return false;
  }
}

const ignore = !charonUsable() && Deno.env.get("CI") !== "true";

interface Run {
  ours: string[];
  charon: string;
}

/** charon's configuration: one IKEv1 connection to 127.0.0.2, L2TP's transport-mode child. */
function writeConfig(dir: string, proposals: { ike: string; esp: string }, aggressive: boolean): void {
  // charon answers Aggressive Mode with a PSK only with this switch, named for what it costs.
  const aggressiveResponder = aggressive
    ? "  i_dont_care_about_security_and_use_aggressive_mode_psk = yes\n"
    : "";
  Deno.writeTextFileSync(
    `${dir}/strongswan.conf`,
    `charon {
${aggressiveResponder}  port = 10500
  port_nat_t = 14500
  install_routes = no
  retransmit_timeout = 2.0
  filelog {
    lab {
      path = ${dir}/charon.log
      default = 1
      ike = 2
      append = no
      flush_line = yes
    }
  }
  plugins {
    vici {
      socket = unix://${dir}/charon.vici
    }
  }
}
`,
  );
  Deno.writeTextFileSync(
    `${dir}/swanctl.conf`,
    `connections {
  l2tp {
    version = 1
    local_addrs = 127.0.0.1
    remote_addrs = 127.0.0.2
    proposals = ${proposals.ike}
    aggressive = ${aggressive ? "yes" : "no"}
    encap = yes
    dpd_delay = 2s
    local {
      auth = psk
    }
    remote {
      auth = psk
    }
    children {
      l2tp {
        mode = transport
        local_ts = dynamic[udp/1701]
        remote_ts = dynamic[udp/1701]
        esp_proposals = ${proposals.esp}
      }
    }
  }
}
secrets {
  ike-l2tp {
    secret = "${PSK}"
  }
}
`,
  );
}

async function runAgainstCharon(
  role: "charon-initiates" | "we-initiate",
  charonProposals: { ike: string; esp: string },
  ours: Record<string, unknown>,
  seconds: number,
  aggressive = false,
): Promise<Run> {
  const dir = Deno.makeTempDirSync({ prefix: "tunnel-lab-charon-" });
  writeConfig(dir, charonProposals, aggressive);
  const vici = `unix://${dir}/charon.vici`;
  const relay = new URL("./udp_unix_relay.ts", import.meta.url).pathname;
  const script = [
    "ip link set lo up",
    "mount -t tmpfs tmpfs /run",
    `STRONGSWAN_CONF=${dir}/strongswan.conf ${CHARON} > ${dir}/charon.out 2>&1 &`,
    `for i in $(seq 100); do [ -S ${dir}/charon.vici ] && break; sleep 0.05; done`,
    `swanctl --load-all --file ${dir}/swanctl.conf --uri ${vici} > ${dir}/swanctl.out 2>&1`,
    role === "charon-initiates"
      ? `(sleep 1; swanctl --initiate --child l2tp --timeout 20 --uri ${vici} > ${dir}/initiate.out 2>&1) &`
      : "true",
    `exec ${Deno.execPath()} run --allow-all ${relay} ${dir}/relay.sock 500 4500`,
  ].join("\n");
  const namespace = new Deno.Command("unshare", {
    args: ["-m", "-n", "--kill-child", "sh", "-c", script],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const output = namespace.output();
  let conn: Deno.UnixConn | undefined;
  try {
    for (let i = 0; i < 200 && !conn; i++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      conn = await Deno.connect({ transport: "unix", path: `${dir}/relay.sock` }).catch(() => undefined);
    }
    assert.ok(conn, "the relay in charon's namespace did not start");
    const inbox: { src: number; dst: number; payload: Uint8Array }[] = [];
    const reading = (async () => {
      let buffer = new Uint8Array(0);
      const chunk = new Uint8Array(65536);
      for (;;) {
        const n = await conn!.read(chunk).catch(() => null);
        if (n === null) return;
        const joined = new Uint8Array(buffer.length + n);
        joined.set(buffer);
        joined.set(chunk.subarray(0, n), buffer.length);
        buffer = joined;
        while (buffer.length >= 6) {
          const view = new DataView(buffer.buffer, buffer.byteOffset);
          const length = view.getUint16(4);
          if (buffer.length < 6 + length) break;
          inbox.push({
            src: view.getUint16(0),
            dst: view.getUint16(2),
            payload: buffer.slice(6, 6 + length),
          });
          buffer = buffer.slice(6 + length);
        }
      }
    })();

    const m = model(
      [
        node("ours", "host", { eth0: "127.0.0.2/8" }, [], {
          ipsec: { psk: PSK, peers: ["127.0.0.1"], ...ours },
        }),
        node("charon", "host", { eth0: "127.0.0.1/8" }),
      ],
      [link("lo", ["ours:eth0", "charon:eth0"], { delay: 100 })],
    );
    const sched = new Scheduler();
    let ids = 0;
    const trace = new Tracer(sched);
    const ctx: SimContext = {
      sched,
      trace,
      rng: new Prng(11),
      nextPacketId: () => ++ids,
      frames: { label: protoLabel, summarize },
    };
    const network = buildNetwork(m, ctx);
    for (const device of network.devices.values()) device.start();
    const bridge = network.devices.get("charon")!;
    const us = network.devices.get("ours")!;
    const outbox: Uint8Array[] = [];
    for (const port of [500, 4500]) {
      bridge.ip.bindUdp(port, {
        onMessage: (message) => {
          const frame = new Uint8Array(6 + message.payload.length);
          const view = new DataView(frame.buffer);
          view.setUint16(0, message.srcPort);
          view.setUint16(2, CHARON_PORT[port]);
          view.setUint16(4, message.payload.length);
          frame.set(message.payload, 6);
          outbox.push(frame);
        },
      });
    }
    bridge.ip.bindUdp(1701, { onMessage: () => {} });
    if (role === "we-initiate") {
      // Two L2TP datagrams: the first is trapped and starts IKE, then the line is quiet for DPD.
      for (const t of [500 * MS, 1500 * MS]) {
        sched.at(t, () => us.ip.sendUdp(parseIp("127.0.0.1")!, 1701, 1701, new Uint8Array(12)));
      }
    }
    const step = 5 * MS;
    const end = seconds * SECOND;
    while (sched.now < end) {
      for (const frame of outbox.splice(0)) await conn.write(frame);
      await new Promise((resolve) => setTimeout(resolve, 5));
      for (const { src, dst, payload } of inbox.splice(0)) {
        bridge.ip.sendUdp(parseIp("127.0.0.2")!, PORTS[src] ?? src, dst, payload);
      }
      sched.runUntil(sched.now + step);
    }
    conn.close();
    await reading;
    const ourLog = trace.records.filter((r) => r.kind === "app" && r.node === "ours").map((r) => r.summary);
    return { ours: ourLog, charon: Deno.readTextFileSync(`${dir}/charon.log`) };
  } finally {
    try {
      namespace.kill("SIGTERM");
    } catch { /* gone */ }
    await output;
    Deno.removeSync(dir, { recursive: true });
  }
}

const CHARON_PROPOSALS = {
  ike: "aes256-sha256-modp2048,aes128-sha1-modp2048",
  esp: "aes256-sha256,aes128-sha1",
};

Deno.test({
  name:
    "strongSwan interop: charon initiates with two proposals each; we pick the second, Main and Quick Mode complete",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const run = await runAgainstCharon("charon-initiates", CHARON_PROPOSALS, {
      ike: "aes128-sha1-modp2048",
      esp: "aes128-sha1,3des-sha1",
      dpd: { delay: 3 * SECOND, timeout: 20 * SECOND },
    }, 9);
    const where = `\nours:\n${run.ours.join("\n")}\ncharon:\n${run.charon}`;
    assert.ok(run.ours.some((l) => /^IKE_SA established between 127\.0\.0\.2/.test(l)), where);
    assert.match(
      run.charon,
      /IKE_SA l2tp\[\d+\] established between 127\.0\.0\.1\[127\.0\.0\.1\]\.\.\.127\.0\.0\.2\[127\.0\.0\.2\]/,
    );
    // charon took our answers: our one transform out of its two, in Main Mode and in Quick Mode.
    assert.match(run.charon, /selected proposal: IKE:AES_CBC_128\/HMAC_SHA1_96\/PRF_HMAC_SHA1\/MODP_2048/);
    assert.match(run.charon, /parsed QUICK_MODE response \d+ \[ HASH SA No ID ID NAT-OA NAT-OA \]/);
    assert.match(run.charon, /selected proposal: ESP:AES_CBC_128\/HMAC_SHA1_96/);
    // No ESP in this kernel: charon refuses its own Quick Mode afterwards; ours fails alone, the IKE_SA stays.
    assert.match(run.charon, /unable to install inbound and outbound IPsec SA \(SAD\) in kernel/);
    assert.ok(
      run.ours.some((l) =>
        /^Quick Mode for .* failed: peer sent NO_PROPOSAL_CHOSEN; the IKE_SA stays up$/.test(l)
      ),
      where,
    );
    // charon probes our liveness every 2 s; we answer and charon accepts the answers.
    assert.ok(
      run.ours.filter((l) => /^received DPD request \(R_U_THERE \d+\), sending R_U_THERE_ACK$/.test(l))
        .length >= 2,
      where,
    );
    assert.match(run.charon, /parsed INFORMATIONAL_V1 request \d+ \[ HASH N\(DPD_ACK\) \]/);
    assert.doesNotMatch(
      run.charon,
      /DPD check timed out|invalid HASH|message verification failed|parsing .* failed/i,
    );
  },
});

Deno.test({
  name: "strongSwan interop: we initiate with two proposals each; charon picks, NAT-T forced, DPD answered",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const run = await runAgainstCharon("we-initiate", { ike: "aes128-sha1-modp2048", esp: "aes128-sha1" }, {
      ike: "aes256-sha256-modp2048,aes128-sha1-modp2048",
      esp: "aes256-sha256,aes128-sha1",
      natT: "force",
      dpd: { delay: 2 * SECOND, timeout: 20 * SECOND },
    }, 9);
    const where = `\nours:\n${run.ours.join("\n")}\ncharon:\n${run.charon}`;
    assert.ok(run.ours.some((l) => /^IKE_SA established between 127\.0\.0\.2/.test(l)), where);
    assert.match(
      run.charon,
      /IKE_SA l2tp\[\d+\] established between 127\.0\.0\.1\[127\.0\.0\.1\]\.\.\.127\.0\.0\.2\[127\.0\.0\.2\]/,
    );
    // Of our two transforms charon took the one it has, and likewise of our two ESP proposals.
    assert.match(run.charon, /parsed ID_PROT request 0 \[ SA V V V \]/);
    assert.match(run.charon, /selected proposal: IKE:AES_CBC_128\/HMAC_SHA1_96\/PRF_HMAC_SHA1\/MODP_2048/);
    assert.match(run.charon, /selected proposal: ESP:AES_CBC_128\/HMAC_SHA1_96/);
    // NAT-T forced: charon sees "a NAT" from our faked NAT-D, and both float to 4500.
    assert.match(run.charon, /remote host is behind NAT/);
    assert.match(run.charon, /remote endpoint changed from 127\.0\.0\.2\[500\] to 127\.0\.0\.2\[4500\]/);
    // Quick Mode completes (charon parsed HASH(3)); our CHILD_SA is UDP-encapsulated.
    assert.match(run.charon, /parsed QUICK_MODE request \d+ \[ HASH \]/);
    assert.ok(run.ours.some((l) => /^CHILD_SA established with SPIs .*\(UDP-encapsulated\)$/.test(l)), where);
    // charon cannot install it and sends DELETE; we remove the pair.
    assert.match(run.charon, /sending DELETE for ESP CHILD_SA with SPI/);
    assert.ok(run.ours.some((l) => /^closing CHILD_SA with SPIs/.test(l)), where);
    // DPD: charon probes, we answer; charon's answers to ours would be logged as DPD responses.
    assert.ok(
      run.ours.some((l) => /^received DPD request \(R_U_THERE \d+\), sending R_U_THERE_ACK$/.test(l)),
      where,
    );
    assert.match(run.charon, /parsed INFORMATIONAL_V1 request \d+ \[ HASH N\(DPD_ACK\) \]/);
    assert.doesNotMatch(
      run.charon,
      /DPD check timed out|invalid HASH|message verification failed|parsing .* failed/i,
    );
  },
});

Deno.test({
  name:
    "strongSwan interop: charon initiates Aggressive Mode with a PSK; we answer, HASH_R and HASH_I check out",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const run = await runAgainstCharon(
      "charon-initiates",
      CHARON_PROPOSALS,
      {
        ike: "aes128-sha1-modp2048",
        esp: "aes128-sha1",
        aggressive: true,
      },
      6,
      true,
    );
    const where = `\nours:\n${run.ours.join("\n")}\ncharon:\n${run.charon}`;
    assert.match(run.charon, /initiating Aggressive Mode IKE_SA l2tp\[\d+\] to 127\.0\.0\.2/);
    assert.ok(run.ours.includes("127.0.0.1 is initiating an Aggressive Mode IKE_SA"), where);
    // charon parsed our message 2 (with HASH_R and NAT-D) and accepted it, then sent HASH_I.
    assert.match(run.charon, /parsed AGGRESSIVE response 0 \[ SA KE No ID HASH V V NAT-D NAT-D \]/);
    assert.match(run.charon, /generating AGGRESSIVE request 0 \[ HASH NAT-D NAT-D \]/);
    assert.match(
      run.charon,
      /IKE_SA l2tp\[\d+\] established between 127\.0\.0\.1\[127\.0\.0\.1\]\.\.\.127\.0\.0\.2\[127\.0\.0\.2\]/,
    );
    assert.ok(run.ours.some((l) => /^IKE_SA established between 127\.0\.0\.2/.test(l)), where);
    assert.match(run.charon, /parsed QUICK_MODE response \d+ \[ HASH SA No ID ID NAT-OA NAT-OA \]/);
    assert.doesNotMatch(run.charon, /invalid HASH|message verification failed|parsing .* failed/i);
  },
});

Deno.test({
  name:
    "strongSwan interop: we initiate Aggressive Mode; charon (told to allow it) answers and takes our HASH_I",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const run = await runAgainstCharon(
      "we-initiate",
      { ike: "aes128-sha1-modp2048", esp: "aes128-sha1" },
      {
        ike: "aes128-sha1-modp2048",
        esp: "aes128-sha1",
        aggressive: true,
      },
      6,
      true,
    );
    const where = `\nours:\n${run.ours.join("\n")}\ncharon:\n${run.charon}`;
    assert.ok(run.ours.includes("initiating Aggressive Mode IKE_SA to 127.0.0.1"), where);
    assert.match(run.charon, /parsed AGGRESSIVE request 0 \[ SA KE No ID V V V \]/);
    assert.match(run.charon, /parsed AGGRESSIVE request 0 \[ HASH NAT-D NAT-D \]/);
    assert.match(
      run.charon,
      /IKE_SA l2tp\[\d+\] established between 127\.0\.0\.1\[127\.0\.0\.1\]\.\.\.127\.0\.0\.2\[127\.0\.0\.2\]/,
    );
    assert.ok(run.ours.some((l) => /^IKE_SA established between 127\.0\.0\.2/.test(l)), where);
    assert.match(run.charon, /parsed QUICK_MODE request \d+ \[ HASH \]/);
    assert.doesNotMatch(run.charon, /invalid HASH|message verification failed|parsing .* failed/i);
  },
});
