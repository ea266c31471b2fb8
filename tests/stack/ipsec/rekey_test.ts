/**
 * Lifetimes and rekeying as strongSwan does them: before an ESP SA's lifetime ends (margintime plus
 * a fuzz) the IKE initiator runs a new Quick Mode, traffic moves to the new pair without loss and the
 * old pair is deleted; without rekeying the pair expires and is deleted, and the next packet
 * negotiates again; the ISAKMP SA expires at its own lifetime.
 */
import assert from "node:assert/strict";
import { SECOND } from "../../../src/engine/time.ts";
import { simulate } from "../../../src/sim.ts";
import { dropReasons, ipsecLab, logs } from "./harness.ts";

const life = { esp: { lifetime: 60 * SECOND }, margin: 10 * SECOND };

Deno.test("rekey: a new Quick Mode before the lifetime ends, traffic moves over without loss, the old pair is deleted", () => {
  const { records } = simulate(
    ipsecLab({ client: life, server: life, datagrams: 68, duration: 70 * SECOND }),
  );
  const client = logs(records, "client");
  const server = logs(records, "server");
  const rekeying = records.find((r) =>
    r.node === "client" && /^rekeying CHILD_SA [0-9a-f]{8}_i/.test(r.summary)
  );
  assert.ok(rekeying, client.join("\n"));
  // Soft lifetime: 60 s − 10 s margin − up to 10 s of fuzz after the SA came up at about 1 s.
  assert.ok(rekeying.t > 40 * SECOND && rekeying.t < 52 * SECOND, `${rekeying.t}`);
  assert.equal(client.filter((l) => /^CHILD_SA established/.test(l)).length, 2);
  assert.ok(client.some((l) => /^rekeyed CHILD_SA .*: traffic moves to /.test(l)));
  assert.ok(server.some((l) => /^rekeyed CHILD_SA .*: traffic moves to /.test(l)));
  assert.ok(server.some((l) => /^received DELETE for ESP CHILD_SA with SPI/.test(l)), server.join("\n"));
  // One datagram was trapped while Main Mode ran; every other one came back, across the rekey.
  assert.equal(client.filter((l) => l.startsWith("udp reply")).length, 67);
  assert.deepEqual(dropReasons(records).filter((r) => /SPI/.test(r)), []);
  assert.equal(client.some((l) => /expired/.test(l)), false);
});

Deno.test("no rekey: the pair expires, is deleted on both sides, and the next datagram negotiates again", () => {
  const settings = { ...life, rekey: false };
  const { records } = simulate(
    ipsecLab({ client: settings, server: settings, datagrams: 80, duration: 90 * SECOND }),
  );
  const client = logs(records, "client");
  const expired = records.find((r) =>
    r.node === "client" && /^CHILD_SA [0-9a-f]{8}_i expired \(lifetime [^)]+\)$/.test(r.summary)
  );
  assert.ok(expired, client.join("\n"));
  assert.ok(logs(records, "server").some((l) => /^received DELETE for ESP CHILD_SA/.test(l)));
  assert.equal(client.filter((l) => /^CHILD_SA established/.test(l)).length, 2);
  assert.equal(
    client.filter((l) => l === "initiating Main Mode IKE_SA to 203.0.113.10").length,
    1,
    "same ISAKMP SA",
  );
  assert.equal(client.some((l) => l.startsWith("rekeying")), false);
});

Deno.test("rekey: false: the ISAKMP SA expires at its lifetime (the client's is shorter); the server learns it by DELETE", () => {
  const settings = { ike: { lifetime: 60 * SECOND }, rekey: false };
  const { records } = simulate(
    ipsecLab({ client: settings, datagrams: 3, duration: 70 * SECOND }),
  );
  assert.ok(
    logs(records, "client").some((l) => /^IKE_SA with 203\.0\.113\.10 expired \(ikelifetime [^)]+\)/.test(l)),
  );
  assert.ok(logs(records, "server").includes("received DELETE for IKE_SA"));
});
