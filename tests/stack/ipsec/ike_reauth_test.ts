/**
 * The ISAKMP SA's own lifetime (ike_lifetime.ts) and Quick Modes that get no answer: charon
 * reauthenticates an IKEv1 SA with a fresh phase 1 `margintime` (plus a fuzz of up to the margin)
 * before `ikelifetime`, moves the ESP pairs to it and deletes the old SA; a Quick Mode nobody
 * answers fails alone.
 */
import assert from "node:assert/strict";
import { SECOND } from "../../../src/engine/time.ts";
import { simulate } from "../../../src/sim.ts";
import { action } from "../../helpers/model.ts";
import { dropReasons, engineOf, ipsecLab, logs } from "./harness.ts";

const LIFE = { ike: { lifetime: 120 * SECOND }, margin: 30 * SECOND };

Deno.test("the initiator reauthenticates the ISAKMP SA before ikelifetime; the pair moves over and no datagram is lost", () => {
  const datagrams = 200;
  const result = simulate(
    ipsecLab({
      client: LIFE,
      server: LIFE,
      nat: { preset: "home-router" },
      datagrams,
      duration: 210 * SECOND,
    }),
  );
  const client = logs(result.records, "client");
  const server = logs(result.records, "server");
  // Soft time is 120 s − 30 s − a fuzz below 30 s: between 60 s and 90 s; then again for the new SA.
  const soft = result.records.filter((r) =>
    r.node === "client" && /^reauthenticating IKE_SA/.test(r.summary)
  );
  assert.equal(soft.length, 2, client.join("\n"));
  assert.ok(soft[0].t > 60 * SECOND && soft[0].t <= 90 * SECOND, `first reauthentication at ${soft[0].t}`);
  assert.equal(client.filter((l) => /^initiating Main Mode IKE_SA/.test(l)).length, 3);
  assert.equal(client.filter((l) => l === "adopting 1 CHILD_SA into the new IKE_SA").length, 2);
  assert.equal(server.filter((l) => l === "adopting 1 CHILD_SA into the new IKE_SA").length, 2);
  assert.ok(server.includes("received DELETE for IKE_SA"));
  // One Quick Mode only: the pair survives both reauthentications, and it never expired.
  assert.equal(client.filter((l) => /^CHILD_SA established/.test(l)).length, 1);
  assert.ok(!client.some((l) => /expired/.test(l)));
  // Only the first datagram waited for IKE; every other one came back.
  assert.equal(client.filter((l) => /^udp reply/.test(l)).length, datagrams - 1);
  assert.deepEqual(dropReasons(result.records).filter((r) => !/^waiting for IPsec SA/.test(r)), []);
  for (const name of ["client", "server"]) {
    const engine = engineOf(result, name);
    const live = engine.ikeSas.filter((s) => s.established);
    assert.equal(live.length, 1, `${name} keeps one ISAKMP SA`);
    assert.equal(engine.childSas.length, 1);
    assert.equal(engine.childSas[0].ike, live[0], `${name}'s pair belongs to the newest ISAKMP SA`);
  }
});

Deno.test("a Quick Mode without an answer fails alone: the ISAKMP SA stays and the next one succeeds on it", () => {
  // The pair rekeys between 200 s and 300 s; the link is down from 190 s to 480 s, longer than the
  // five retransmits of that Quick Mode (4 s × 1.8ⁿ) take to run out.
  const settings = { esp: { lifetime: 400 * SECOND }, margin: 100 * SECOND };
  const result = simulate(ipsecLab({
    client: settings,
    server: settings,
    datagrams: 520,
    duration: 530 * SECOND,
    extra: [
      action(190 * SECOND, { link: "wan" }, "link-down"),
      action(480 * SECOND, { link: "wan" }, "link-up"),
    ],
  }));
  const client = logs(result.records, "client");
  assert.ok(
    client.some((l) =>
      /^Quick Mode for .* failed: no reply after 5 retransmits; the IKE_SA stays up$/.test(l)
    ),
    client.join("\n"),
  );
  assert.ok(!client.some((l) => /^IKE_SA with .* failed/.test(l)), client.join("\n"));
  assert.equal(client.filter((l) => /^initiating Main Mode/.test(l)).length, 1);
  // After the link returns the expired pair is negotiated again on the same ISAKMP SA.
  assert.equal(client.filter((l) => /^CHILD_SA established/.test(l)).length, 2, client.join("\n"));
  const last = result.records.filter((r) => r.node === "client" && /^udp reply/.test(r.summary)).at(-1);
  assert.ok(last && last.t > 480 * SECOND, "datagrams come back after the link returns");
});
