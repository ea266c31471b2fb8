/**
 * Proposal menus: built from the kind schema's enumerations, every entry is a proposal the loader
 * accepts, and a lesson's text proposals become menus in the what-if panel (a list of several stays text).
 */
import assert from "node:assert/strict";
import { loadTopology } from "../../src/topology/load.ts";
import { parseEspProposals, parseIkeProposals } from "../../src/stack/ipsec/proposal_text.ts";
import { settingChoices } from "../../src/kinds/index.ts";
import { menuValue, proposalChoices } from "../../web/app/proposal_choices.ts";
import { applySetting, listSettings } from "../../web/app/whatif.ts";

const dir = new URL("../../topologies/", import.meta.url).pathname;

function count(kind: string, path: string[]): number {
  return settingChoices(kind).find((c) => c.path.join(".") === path.join("."))!.options.length;
}

Deno.test("the IKE menu is every encryption × hash × group the schema names, each a proposal that parses", () => {
  const ike = proposalChoices("host", ["ipsec", "ike"]);
  const n = count("host", ["ipsec", "ike", "encryption"]) * count("host", ["ipsec", "ike", "hash"]) *
    count("host", ["ipsec", "ike", "group"]);
  assert.equal(ike.length, n);
  for (const p of ike) assert.ok(parseIkeProposals(p).ok, p);
  assert.ok(ike.includes("3des-sha1-modp1024") && ike.includes("aes256-sha256-modp2048"));
});

Deno.test("the ESP menu names each GCM cipher once (it carries its own integrity)", () => {
  const esp = proposalChoices("lns", ["ipsec", "esp"]);
  assert.equal(new Set(esp).size, esp.length);
  for (const p of esp) assert.ok(parseEspProposals(p).ok, p);
  assert.ok(esp.includes("3des-sha1") && esp.includes("aes256-sha256"));
  assert.ok(esp.some((p) => p.endsWith("gcm16")) && !esp.some((p) => /gcm16-/.test(p)));
});

Deno.test("a proposal written another way shows as the menu's word; a list is no single proposal", () => {
  assert.equal(menuValue(["ipsec", "ike"], "aes256-sha2_256-modp2048"), "aes256-sha256-modp2048");
  assert.equal(menuValue(["ipsec", "ike"], "aes256-sha256-modp2048,3des-sha1-modp2048"), undefined);
  assert.equal(menuValue(["ipsec", "esp"], "aes256-sha256"), "aes256-sha256");
});

Deno.test("ipsec-ciphers: the clients' proposals are menus, the LNS's list stays text; a pick loads", () => {
  const text = Deno.readTextFileSync(`${dir}ipsec-ciphers.yaml`);
  const loaded = loadTopology(text, "ipsec-ciphers.yaml");
  assert.ok(loaded.ok);
  const settings = listSettings(text, loaded.model);
  const at = (path: string) => settings.find((s) => s.path.join(".") === path)!;
  const alice = at("nodes.alice.ipsec.ike");
  assert.equal(alice.type, "enum");
  assert.deepEqual(alice.options, proposalChoices("host", ["ipsec", "ike"]));
  assert.equal(at("nodes.alice.ipsec.esp").type, "enum");
  assert.equal(at("nodes.lns.ipsec.ike").type, "text");
  const changed = applySetting(text, alice, "aes256-sha256-modp2048");
  const again = loadTopology(changed, "ipsec-ciphers.yaml");
  assert.ok(again.ok, JSON.stringify(!again.ok && again.errors));
  const cfg = again.model.nodes.find((n) => n.name === "alice")!.config.ipsec as {
    ike: { proposals: { encryption: string }[] };
  };
  assert.equal(JSON.stringify(cfg.ike).includes("aes256"), true);
});
