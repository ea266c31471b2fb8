/**
 * The offline dictionary attack on a captured Aggressive Mode exchange (psk_crack.ts), fed with
 * what a tap saw on a link, and its absence on Main Mode: there is no clear HASH_R to test against.
 */
import assert from "node:assert/strict";
import { simulate } from "../../../src/sim.ts";
import { ikeMessageOf, pskCrackReport } from "../../../src/devices/apps/psk_crack.ts";
import {
  crackPsk,
  DEFAULT_WORDLIST,
  findAggressiveExchange,
  hashRFor,
} from "../../../src/stack/ipsec/psk_crack.ts";
import { ipsecLab, onLink } from "./harness.ts";

function captured(settings: Record<string, unknown>, nat?: Record<string, unknown>): Uint8Array[] {
  const { records } = simulate(ipsecLab({ client: settings, server: settings, nat }));
  return onLink(records, "wan").flatMap((r) => {
    const message = ikeMessageOf(r.bytes!);
    return message ? [message] : [];
  });
}

Deno.test("a weak key is found from one captured Aggressive Mode exchange, at its place in the wordlist", () => {
  const messages = captured({ aggressive: true, psk: "letmein" });
  const found = findAggressiveExchange(messages);
  assert.equal(found.kind, "aggressive");
  if (found.kind !== "aggressive") return;
  assert.equal(found.capture.hash, "sha1");
  assert.deepEqual(crackPsk(found.capture, ["password", "secret", "letmein", "other"]), {
    key: "letmein",
    tried: 3,
  });
  assert.deepEqual(hashRFor(found.capture, "letmein"), found.capture.hashR);
  assert.ok(DEFAULT_WORDLIST.includes("letmein"));
  assert.equal(crackPsk(found.capture, DEFAULT_WORDLIST).key, "letmein");
});

Deno.test("a key that is not in the wordlist is not found; every word was tried", () => {
  const found = findAggressiveExchange(captured({ aggressive: true, psk: "x7#Qp9-long-random-key" }));
  assert.equal(found.kind, "aggressive");
  if (found.kind !== "aggressive") return;
  assert.deepEqual(crackPsk(found.capture, DEFAULT_WORDLIST), { tried: DEFAULT_WORDLIST.length });
  const report = pskCrackReport(captured({ aggressive: true, psk: "x7#Qp9-long-random-key" }));
  assert.match(report.summary, /^psk-crack: none of 18 words gives HASH_R [0-9a-f]{40}/);
});

Deno.test("behind a NAT the exchange is still found (message 3 on 4500 is not needed)", () => {
  const found = findAggressiveExchange(
    captured({ aggressive: true, psk: "letmein" }, { preset: "home-router" }),
  );
  assert.equal(found.kind, "aggressive");
  if (found.kind === "aggressive") assert.equal(crackPsk(found.capture, ["letmein"]).key, "letmein");
});

Deno.test("Main Mode with the same weak key gives the eavesdropper nothing to test a guess against", () => {
  const messages = captured({ psk: "letmein" });
  assert.ok(messages.length >= 9, "the whole Main Mode and Quick Mode were captured");
  assert.deepEqual(findAggressiveExchange(messages), { kind: "main-mode-only", exchanges: 1 });
  const report = pskCrackReport(messages);
  assert.match(report.summary, /no Aggressive Mode: HASH_R is encrypted/);
  assert.equal(report.detail.key, undefined);
  assert.deepEqual(findAggressiveExchange([]), { kind: "none" });
});
