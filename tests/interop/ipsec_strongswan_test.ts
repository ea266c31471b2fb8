/**
 * Our IKEv1 against a real peer: Debian's strongSwan charon (driven by swanctl), in both roles, with
 * proposal lists, NAT-T forced and DPD, run through charon_bridge.ts (each side detects a NAT there,
 * which `encap = yes` forces anyway).
 *
 * charon cannot install ESP SAs here (no ESP in the kernel), so the test asserts on the IKE and Quick
 * Mode exchanges and on charon's log, not on ESP. Skipped without charon or namespaces, except under
 * CI=true, where .ci/run installs strongswan-charon and strongswan-swanctl and a missing one fails.
 */
import assert from "node:assert/strict";
import { MS, SECOND } from "../../src/engine/time.ts";
import { parseIp } from "../../src/wire/addr.ts";
import {
  type CharonRun,
  ignoreCharon,
  runAgainstCharon as runBridge,
  strongswanConf,
} from "./charon_bridge.ts";

const PSK = "interop-psk-5678";

/** charon's configuration: one IKEv1 connection to 127.0.0.2, L2TP's transport-mode child. */
function charonConfig(dir: string, proposals: { ike: string; esp: string }, aggressive: boolean) {
  // charon answers Aggressive Mode with a PSK only with this switch, named for what it costs.
  const strongswan = strongswanConf(
    dir,
    aggressive ? ["i_dont_care_about_security_and_use_aggressive_mode_psk = yes"] : [],
  );
  const swanctl = `connections {
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
`;
  return { strongswan, swanctl };
}

function runAgainstCharon(
  role: "charon-initiates" | "we-initiate",
  charonProposals: { ike: string; esp: string },
  ours: Record<string, unknown>,
  seconds: number,
  aggressive = false,
): Promise<CharonRun> {
  return runBridge({
    prefix: "tunnel-lab-charon-",
    config: (dir) => charonConfig(dir, charonProposals, aggressive),
    initiate: role === "charon-initiates" ? "l2tp" : undefined,
    ours: { ipsec: { psk: PSK, peers: ["127.0.0.1"], ...ours } },
    seed: 11,
    seconds,
    setup({ sched, ours: us, bridge }) {
      bridge.ip.bindUdp(1701, { onMessage: () => {} });
      if (role !== "we-initiate") return;
      // Two L2TP datagrams: the first is trapped and starts IKE, then the line is quiet for DPD.
      for (const t of [500 * MS, 1500 * MS]) {
        sched.at(t, () => us.ip.sendUdp(parseIp("127.0.0.1")!, 1701, 1701, new Uint8Array(12)));
      }
    },
  });
}

const CHARON_PROPOSALS = {
  ike: "aes256-sha256-modp2048,aes128-sha1-modp2048",
  esp: "aes256-sha256,aes128-sha1",
};

Deno.test({
  name:
    "strongSwan interop: charon initiates with two proposals each; we pick the second, Main and Quick Mode complete",
  ignore: ignoreCharon,
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
  ignore: ignoreCharon,
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
  ignore: ignoreCharon,
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
  ignore: ignoreCharon,
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
