/**
 * Our IKEv2 against a real peer: Debian's strongSwan charon (driven by swanctl) as the gateway that
 * our road warrior dials, and as the road warrior that dials our gateway, run through
 * charon_bridge.ts. Each side's NAT_DETECTION hashes disagree with what the other sees (charon's real
 * source port is 10500), so both move to 4500 as behind a NAT.
 *
 * charon cannot install ESP SAs here (no ESP in the kernel), so the test asserts on IKE_SA_INIT and
 * IKE_AUTH completing on both sides (AUTH verified each way, the CP exchange) and on charon's log.
 * Skipped without charon or namespaces, except under CI=true, where a missing one fails.
 */
import assert from "node:assert/strict";
import { MS } from "../../src/engine/time.ts";
import { parseIp } from "../../src/wire/addr.ts";
import {
  type CharonRun,
  ignoreCharon,
  runAgainstCharon as runBridge,
  strongswanConf,
} from "./charon_bridge.ts";

const PSK = "interop-ikev2-psk";

type Role = "charon-gateway" | "charon-road-warrior";

/** charon's configuration for one IKEv2 connection in the given role. */
function charonConfig(dir: string, role: Role, proposals: { ike: string; esp: string }) {
  const strongswan = strongswanConf(dir, ["install_virtual_ip = no"], ["cfg = 2"]);
  const gateway = role === "charon-gateway";
  const swanctl = `connections {
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
`;
  return { strongswan, swanctl };
}

function runAgainstCharon(
  role: Role,
  charonProposals: { ike: string; esp: string },
  ours: Record<string, unknown>,
  seconds: number,
): Promise<CharonRun> {
  return runBridge({
    prefix: "tunnel-lab-charon-v2-",
    config: (dir) => charonConfig(dir, role, charonProposals),
    initiate: role === "charon-road-warrior" ? "rw" : undefined,
    ours: { ikev2: { psk: PSK, ...ours } },
    seed: 23,
    seconds,
  });
}

Deno.test({
  name:
    "strongSwan interop: our road warrior dials charon; IKE_SA_INIT and IKE_AUTH complete, charon leases an address",
  ignore: ignoreCharon,
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
  ignore: ignoreCharon,
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
