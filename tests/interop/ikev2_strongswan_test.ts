/**
 * Our IKEv2 against a real peer: Debian's strongSwan charon (driven by swanctl) as the gateway that
 * our road warrior dials, and as the road warrior that dials our gateway. charon runs in a private
 * network and mount namespace holding only `lo`, with its IKE ports moved to 10500/14500; a relay in
 * the namespace (udp_unix_relay.ts) owns 127.0.0.2:500 and :4500 for the simulated node and passes
 * datagrams over a Unix socket to this test, which injects them from a bridge node at 127.0.0.1
 * (charon's ports seen as 500/4500). Each side's NAT_DETECTION hashes then disagree with what the
 * other sees (charon's real source port is 10500), so both move to 4500 as behind a NAT. Simulated
 * time follows real time.
 *
 * charon cannot install ESP SAs here (no ESP in the kernel), so the test asserts on IKE_SA_INIT and
 * IKE_AUTH completing on both sides (AUTH verified each way, the CP exchange) and on charon's log.
 * Skipped without charon or namespaces, except under CI=true, where a missing one fails.
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
const PSK = "interop-ikev2-psk";
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

type Role = "charon-gateway" | "charon-road-warrior";

/** charon's configuration for one IKEv2 connection in the given role. */
function writeConfig(dir: string, role: Role, proposals: { ike: string; esp: string }): void {
  Deno.writeTextFileSync(
    `${dir}/strongswan.conf`,
    `charon {
  port = 10500
  port_nat_t = 14500
  install_routes = no
  install_virtual_ip = no
  retransmit_timeout = 2.0
  filelog {
    lab {
      path = ${dir}/charon.log
      default = 1
      ike = 2
      cfg = 2
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
  const gateway = role === "charon-gateway";
  Deno.writeTextFileSync(
    `${dir}/swanctl.conf`,
    `connections {
  rw {
    version = 2
    local_addrs = 127.0.0.1
    remote_addrs = 127.0.0.2
    proposals = ${proposals.ike}
    ${gateway ? "pools = rw-pool" : "vips = 0.0.0.0"}
    local {
      auth = psk
      id = ${gateway ? "vpn.example.org" : "charon@example.org"}
    }
    remote {
      auth = psk
      id = ${gateway ? "laptop@example.org" : "vpn.example.org"}
    }
    children {
      rw {
        mode = tunnel
        local_ts = ${gateway ? "10.10.0.0/24" : "dynamic"}
        remote_ts = ${gateway ? "dynamic" : "10.10.0.0/24"}
        esp_proposals = ${proposals.esp}
      }
    }
  }
}
pools {
  rw-pool {
    addrs = 10.77.0.0/24
    dns = 10.10.0.53
  }
}
secrets {
  ike-rw {
    secret = "${PSK}"
  }
}
`,
  );
}

interface Run {
  ours: string[];
  charon: string;
}

async function runAgainstCharon(
  role: Role,
  charonProposals: { ike: string; esp: string },
  ours: Record<string, unknown>,
  seconds: number,
): Promise<Run> {
  const dir = Deno.makeTempDirSync({ prefix: "tunnel-lab-charon-v2-" });
  writeConfig(dir, role, charonProposals);
  const vici = `unix://${dir}/charon.vici`;
  const relay = new URL("./udp_unix_relay.ts", import.meta.url).pathname;
  const script = [
    "ip link set lo up",
    "mount -t tmpfs tmpfs /run",
    `STRONGSWAN_CONF=${dir}/strongswan.conf ${CHARON} > ${dir}/charon.out 2>&1 &`,
    `for i in $(seq 100); do [ -S ${dir}/charon.vici ] && break; sleep 0.05; done`,
    `swanctl --load-all --file ${dir}/swanctl.conf --uri ${vici} > ${dir}/swanctl.out 2>&1`,
    role === "charon-road-warrior"
      ? `(sleep 1; swanctl --initiate --child rw --timeout 20 --uri ${vici} > ${dir}/initiate.out 2>&1) &`
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
        // Frames from the relay: source port, destination port, length, payload.
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
        node("ours", "host", { eth0: "127.0.0.2/8" }, [], { ikev2: { psk: PSK, ...ours } }),
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
      rng: new Prng(23),
      nextPacketId: () => ++ids,
      frames: { label: protoLabel, summarize },
    };
    const network = buildNetwork(m, ctx);
    for (const device of network.devices.values()) device.start();
    const bridge = network.devices.get("charon")!;
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

Deno.test({
  name:
    "strongSwan interop: our road warrior dials charon; IKE_SA_INIT and IKE_AUTH complete, charon leases an address",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const run = await runAgainstCharon(
      "charon-gateway",
      { ike: "aes256-sha256-modp2048,aes128-sha256-modp2048", esp: "aes128gcm16,aes128-sha256" },
      {
        role: "client",
        gateway: parseIp("127.0.0.1"),
        localId: "laptop@example.org",
        remoteId: "vpn.example.org",
        networks: [{ network: parseIp("10.10.0.0"), prefixLength: 24 }],
        startAt: 500 * MS,
        ike: "aes128-sha256-modp2048",
        esp: "aes128-sha256",
      },
      8,
    );
    const where = `\nours:\n${run.ours.join("\n")}\ncharon:\n${run.charon}`;
    // charon parsed our IKE_SA_INIT and picked the one proposal we offered out of its two.
    assert.match(
      run.charon,
      /parsed IKE_SA_INIT request 0 \[ SA KE No N\(NATD_S_IP\) N\(NATD_D_IP\) \]/,
      where,
    );
    assert.match(
      run.charon,
      /selected proposal: IKE:AES_CBC_128\/HMAC_SHA2_256_128\/PRF_HMAC_SHA2_256\/MODP_2048/,
    );
    // Our AUTH verified at charon, charon's at ours: the key schedule and SK payloads agree.
    assert.match(run.charon, /authentication of 'laptop@example.org' with pre-shared key successful/);
    assert.match(
      run.charon,
      /IKE_SA rw\[\d+\] established between 127\.0\.0\.1\[vpn\.example\.org\]\.\.\.127\.0\.0\.2\[laptop@example\.org\]/,
    );
    assert.ok(run.ours.includes("authentication of 'vpn.example.org' with pre-shared key successful"), where);
    assert.ok(
      run.ours.some((l) =>
        /^IKE_SA established between 127\.0\.0\.2\[4500\]\.\.\.127\.0\.0\.1\[4500\]$/.test(l)
      ),
      where,
    );
    // The CP exchange: charon leased the first pool address and we took it.
    assert.match(run.charon, /assigning virtual IP 10\.77\.0\.1 to peer 'laptop@example\.org'/);
    assert.ok(run.ours.includes("installing new virtual IP 10.77.0.1"), where);
    assert.doesNotMatch(
      run.charon,
      /integrity check failed|verification of AUTH payload.*failed|parsing .* failed/i,
    );
  },
});

Deno.test({
  name: "strongSwan interop: charon dials our gateway; we pick its second proposal and hand it a virtual IP",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const run = await runAgainstCharon(
      "charon-road-warrior",
      { ike: "aes256-sha256-modp2048,aes128-sha256-modp2048", esp: "aes256-sha256,aes128gcm16" },
      {
        role: "server",
        localId: "vpn.example.org",
        remoteId: "charon@example.org",
        pool: { network: parseIp("10.99.0.0"), prefixLength: 24 },
        networks: [{ network: parseIp("10.10.0.0"), prefixLength: 24 }],
        dns: [parseIp("10.10.0.53")],
        ike: "aes128-sha256-modp2048",
        esp: "aes128gcm16",
      },
      8,
    );
    const where = `\nours:\n${run.ours.join("\n")}\ncharon:\n${run.charon}`;
    assert.ok(
      run.ours.includes("127.0.0.1 is initiating an IKE_SA; selected proposal: IKE:aes128-sha256-modp2048"),
      where,
    );
    assert.match(
      run.charon,
      /selected proposal: IKE:AES_CBC_128\/HMAC_SHA2_256_128\/PRF_HMAC_SHA2_256\/MODP_2048/,
    );
    assert.ok(
      run.ours.includes("authentication of 'charon@example.org' with pre-shared key successful"),
      where,
    );
    assert.match(run.charon, /authentication of 'vpn\.example\.org' with pre-shared key successful/);
    assert.match(
      run.charon,
      /IKE_SA rw\[\d+\] established between 127\.0\.0\.1\[charon@example\.org\]\.\.\.127\.0\.0\.2\[vpn\.example\.org\]/,
    );
    // Our CFG_REPLY: charon takes the address and the DNS server; our narrowed selectors and ESP answer.
    assert.ok(run.ours.includes("assigning virtual IP 10.99.0.2 to peer 'charon@example.org'"), where);
    assert.match(
      run.charon,
      /installing new virtual IP 10\.99\.0\.2|handling INTERNAL_IP4_ADDRESS attribute|virtual IP 10\.99\.0\.2/,
    );
    assert.match(run.charon, /selected proposal: ESP:AES_GCM_16_128\/NO_EXT_SEQ/);
    assert.ok(
      run.ours.some((l) =>
        /^CHILD_SA established with SPIs .* TS 10\.10\.0\.0\/24 === 10\.99\.0\.2\/32/.test(l)
      ),
      where,
    );
    assert.doesNotMatch(
      run.charon,
      /integrity check failed|verification of AUTH payload.*failed|parsing .* failed/i,
    );
  },
});
