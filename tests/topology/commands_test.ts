import assert from "node:assert/strict";
import { MS, SECOND } from "../../src/engine/time.ts";
import { COMMANDS } from "../../src/kinds/index.ts";
import { type CommandDef, parseCommand, parseWords, tokenize } from "../../src/topology/commands.ts";

// `null` stands for a link target (a default parameter would swallow `undefined`).
const ok = (text: string, kind: string | null = "host") => {
  const r = parseCommand(text, kind ?? undefined, COMMANDS);
  if (!r.ok) throw new Error(`"${text}" failed: ${r.error}`);
  return r.command;
};
const fail = (text: string, kind: string | null = "host") => {
  const r = parseCommand(text, kind ?? undefined, COMMANDS);
  assert.equal(r.ok, false, `"${text}" should fail`);
  return r as { ok: false; error: string; offset: number };
};

Deno.test("ping: defaults like iputils, options in any order", () => {
  assert.deepEqual(ok("ping 10.0.0.5"), {
    name: "ping",
    args: { dst: "10.0.0.5", count: 4, interval: SECOND, size: 56, ttl: 64, df: false },
  });
  assert.deepEqual(ok("ping 10.0.0.5 df ttl 2 size 1400 interval 200ms count 3").args, {
    dst: "10.0.0.5",
    count: 3,
    interval: 200 * MS,
    size: 1400,
    ttl: 2,
    df: true,
  });
  assert.deepEqual(ok("ping 10.0.0.5", "router").args.dst, "10.0.0.5");
});

Deno.test("udp send: size defaults to the text's UTF-8 length, else 32", () => {
  assert.deepEqual(ok("udp send 10.0.0.5 9").args, {
    dst: "10.0.0.5",
    port: 9,
    from: 40000,
    count: 1,
    interval: SECOND,
    size: 32,
  });
  const withText = ok('udp send 10.0.0.5 7 from 5000 count 2 interval 1ms text "héllo \\"you\\""');
  assert.equal(withText.name, "udp-send");
  assert.equal(withText.args.text, 'héllo "you"');
  assert.equal(withText.args.size, 12); // é is two bytes, the quotes one each
  assert.equal(withText.args.from, 5000);
  assert.equal(withText.args.interval, MS);
  assert.equal(ok('udp send 10.0.0.5 7 size 100 text "hi"').args.size, 100);
});

Deno.test("udp echo and link commands", () => {
  assert.deepEqual(ok("udp echo 7"), { name: "udp-echo", args: { port: 7 } });
  assert.deepEqual(ok("down", null), { name: "link-down", args: {} });
  assert.deepEqual(ok("up", null), { name: "link-up", args: {} });
});

Deno.test("command errors name the problem and point at the word", () => {
  const text = "ping 10.0.0.5 count 0";
  const e = fail(text);
  assert.match(e.error, /count: 0 is out of range \(1 to 1000000\); usage: ping DST/);
  assert.equal(e.offset, text.indexOf("0", text.indexOf("count")));
  assert.match(fail("ping").error, /missing DST/);
  assert.match(fail("ping count 3").error, /missing DST/);
  assert.match(fail("ping 10.0.0.5 count").error, /"count" needs a value/);
  assert.match(fail("ping 10.0.0.5 count 2 count 3").error, /given twice/);
  assert.match(fail("ping 10.0.0.5 extra").error, /unexpected "extra"/);
  assert.match(fail("ping 10.0.0.5 ttl 256").error, /ttl: 256 is out of range/);
  assert.match(fail("udp send 10.0.0.5").error, /missing PORT/);
  assert.match(fail("udp sned 10.0.0.5 9").error, /unknown node command "udp" \(did you mean "udp send"\?\)/);
  assert.match(fail("down now", null).error, /unexpected "now"/);
  assert.match(fail("ping 10.0.0.5", null).error, /command for a node/);
  assert.match(fail("").error, /empty command/);
  const quote = 'udp send 10.0.0.5 9 text "open';
  assert.equal(fail(quote).offset, quote.indexOf('"'));
});

Deno.test("a command runs on the kinds that list it, in whatever list the caller passes", () => {
  const connect: CommandDef = {
    name: "vpn connect",
    id: "vpn-connect",
    target: "node",
    kinds: ["test-client"],
    usage: "vpn connect NAME",
    parse: (tokens) =>
      parseWords(tokens, { positional: [["name", (t) => ({ ok: true, value: t })]], options: {} }),
  };
  const mine = parseCommand("vpn connect office", "test-client", [connect]);
  assert.deepEqual(mine.ok && mine.command, { name: "vpn-connect", args: { name: "office" } });
  const other = parseCommand("vpn connect office", "host", [connect]);
  assert.match(!other.ok ? other.error : "", /cannot run on a host \(only on: test-client\)/);
  assert.deepEqual(COMMANDS.find((c) => c.name === "vpn connect")?.kinds, ["host"]);
  assert.deepEqual(COMMANDS.find((c) => c.name === "nat flush")?.kinds, ["nat-router", "isp"]);
  assert.equal(COMMANDS.find((c) => c.name === "down")?.kinds, undefined);
});

Deno.test("tokenize keeps word offsets", () => {
  const r = tokenize('  a "b c"  d');
  assert.ok(r.ok);
  assert.deepEqual(r.value, [{ text: "a", start: 2 }, { text: "b c", start: 4 }, { text: "d", start: 11 }]);
});
