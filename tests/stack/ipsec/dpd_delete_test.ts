/**
 * Dead Peer Detection (RFC 3706) both ways, DELETE in Informational exchanges (RFC 2408 §4.8), and a
 * Quick Mode refusal that leaves the ISAKMP SA standing.
 */
import assert from "node:assert/strict";
import { SECOND } from "../../../src/engine/time.ts";
import { simulate } from "../../../src/sim.ts";
import { tableAt } from "../../../src/trace/tables.ts";
import { parseIp } from "../../../src/wire/addr.ts";
import { decodeIsakmpHeader, EXCHANGE, FLAG_ENCRYPTION } from "../../../src/wire/isakmp.ts";
import { action } from "../../helpers/model.ts";
import { engineOf, ipsecLab, logs, onLink, SERVER } from "./harness.ts";

const dpd = (delay: number, timeout: number, action: "clear" | "restart" = "clear") => ({
  dpd: { delay: delay * SECOND, timeout: timeout * SECOND, action },
});

Deno.test("DPD both ways: an idle SA is probed with R_U_THERE and each side answers with the same number", () => {
  const { records } = simulate(ipsecLab({ client: dpd(10, 30), duration: 40 * SECOND }));
  const client = logs(records, "client");
  const server = logs(records, "server");
  const sent = client.map((l) => /^sending DPD request \(R_U_THERE (\d+)\)$/.exec(l)?.[1]).filter(Boolean);
  assert.ok(sent.length >= 2, client.join("\n"));
  for (const seq of sent) {
    assert.ok(server.includes(`received DPD request (R_U_THERE ${seq}), sending R_U_THERE_ACK`), seq);
    assert.ok(client.includes(`received DPD response (R_U_THERE_ACK ${seq})`), seq);
  }
  // Consecutive numbers (RFC 3706 §7); probes from the peer count as signs of life, so the side with
  // DPD off never probes, but a server with DPD on probes the client, which answers.
  assert.equal(Number(sent[1]), Number(sent[0]) + 1);
  assert.equal(server.some((l) => l.startsWith("sending DPD request")), false);
  const reverse = simulate(ipsecLab({ server: dpd(10, 30), duration: 40 * SECOND })).records;
  assert.ok(logs(reverse, "server").some((l) => l.startsWith("sending DPD request")));
  assert.ok(
    logs(reverse, "client").some((l) =>
      /^received DPD request \(R_U_THERE \d+\), sending R_U_THERE_ACK$/.test(l)
    ),
  );
  assert.ok(logs(reverse, "server").some((l) => /^received DPD response/.test(l)));
  // They ride in encrypted Informational exchanges; nothing is torn down.
  const info = onLink(records, "dmz").filter((r) => r.proto === "IKE").map((r) => {
    const head = decodeIsakmpHeader(r.bytes!.subarray(28));
    assert.ok(head.ok);
    return head.value.header;
  }).filter((h) => h.exchange === EXCHANGE.INFORMATIONAL);
  assert.ok(info.length >= 4 && info.every((h) => (h.flags & FLAG_ENCRYPTION) !== 0));
  assert.equal([...tableAt(records, "client", "ike-sas")!.values()][0].state, "ESTABLISHED");
  assert.equal(client.some((l) => l.startsWith("DPD:")), false);
});

Deno.test("DPD clears a dead peer: no answer for the timeout, SAs removed", () => {
  const model = ipsecLab({
    client: dpd(5, 20),
    duration: 60 * SECOND,
    extra: [action(8 * SECOND, { link: "dmz" }, "link-down")],
  });
  const result = simulate(model);
  const { records } = result;
  const client = logs(records, "client");
  const dead = records.find((r) =>
    r.node === "client" &&
    r.summary === "DPD: peer 203.0.113.10 did not answer DPD for 20s (dpd action clear)"
  );
  assert.ok(dead, client.join("\n"));
  // Last traffic at about 3 s; probes from 8 s on; dead 20 s after the first unanswered probe.
  assert.ok(dead.t >= 28 * SECOND && dead.t <= 30 * SECOND, `${dead.t}`);
  assert.ok(client.filter((l) => l.startsWith("sending DPD request")).length >= 3);
  assert.equal(tableAt(records, "client", "ipsec-sas")!.size, 0);
  const ike = [...tableAt(records, "client", "ike-sas")!.values()][0];
  assert.equal(ike.state, "DELETED");
  assert.equal(engineOf(result, "client").childSas.length, 0);
  assert.equal(engineOf(result, "client").ikeSas.length, 0);
});

Deno.test("DPD restart: the dead SA is cleared and negotiated again once the peer is back", () => {
  const model = ipsecLab({
    client: dpd(5, 15, "restart"),
    duration: 80 * SECOND,
    extra: [
      action(8 * SECOND, { link: "dmz" }, "link-down"),
      action(30 * SECOND, { link: "dmz" }, "link-up"),
    ],
  });
  const { records } = simulate(model);
  const client = logs(records, "client");
  assert.ok(
    client.includes("dpd action restart: initiating a new IKE_SA to 203.0.113.10"),
    client.join("\n"),
  );
  const established = records.filter((r) => r.node === "client" && /^CHILD_SA established/.test(r.summary));
  assert.equal(established.length, 2);
  assert.ok(established[1].t > 30 * SECOND);
});

Deno.test("DELETE: terminating on one side removes the SAs on both, and new traffic negotiates again", () => {
  const result = simulate(ipsecLab({ datagrams: 10, duration: 4500_000 }));
  const client = engineOf(result, "client");
  const sched = result.network.devices.get("client")!.ctx.sched;
  sched.at(4500_000, () => client.terminate(parseIp(SERVER)!));
  let serverSasAt6 = -1;
  sched.at(6 * SECOND, () => serverSasAt6 = engineOf(result, "server").childSas.length);
  sched.runUntil(20 * SECOND);
  const { records } = result;
  const server = logs(records, "server");
  assert.ok(
    server.some((l) => /^received DELETE for ESP CHILD_SA with SPI [0-9a-f]{8}$/.test(l)),
    server.join("\n"),
  );
  assert.ok(server.includes("received DELETE for IKE_SA"));
  assert.ok(
    server.some((l) => l.startsWith("IKE_SA with 192.168.1.10 closed: deleted by the peer (DELETE)")),
  );
  assert.ok(
    records.some((r) =>
      r.node === "server" && r.kind === "state" && r.table === "ipsec-sas" && r.value === null &&
      /removed: deleted by the peer \(DELETE\)/.test(r.summary)
    ),
  );
  // The next datagram after the DELETE is trapped again and a second IKE_SA comes up.
  const initiated = logs(records, "client").filter((l) =>
    l === "initiating Main Mode IKE_SA to 203.0.113.10"
  );
  assert.equal(initiated.length, 2);
  assert.equal(logs(records, "client").filter((l) => /^CHILD_SA established/.test(l)).length, 2);
  assert.ok(serverSasAt6 >= 0);
});

Deno.test("a Quick Mode refused with NO_PROPOSAL_CHOSEN leaves the ISAKMP SA established", () => {
  const { records } = simulate(ipsecLab({ server: { esp: "3des-sha1" } }));
  const client = logs(records, "client");
  assert.ok(
    client.some((l) =>
      /^Quick Mode for .* failed: peer sent NO_PROPOSAL_CHOSEN; the IKE_SA stays up$/.test(l)
    ),
    client.join("\n"),
  );
  assert.equal([...tableAt(records, "client", "ike-sas")!.values()][0].state, "ESTABLISHED");
  assert.equal([...tableAt(records, "server", "ike-sas")!.values()][0].state, "ESTABLISHED");
  assert.equal(client.some((l) => /IKE_SA with .* failed/.test(l)), false);
});
