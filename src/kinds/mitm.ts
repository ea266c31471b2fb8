/**
 * The `mitm` kind: a man in the middle on a link that alters chosen bytes of the frames crossing it.
 *
 * ```yaml
 * mallory:
 *   kind: mitm
 *   link: backbone
 *   fix-checksums: true          # default: recompute the checksums it can, as a real attacker would
 *   rules:
 *     - { match: l2tp, offset: 40, xor: 0xff, count: 1, from: isp }
 * ```
 *
 * `match` is `ip`, `icmp`, `udp`, `udp:PORT`, `l2tp` (data messages) or `esp` (plain or in UDP 4500);
 * `offset` counts from the start of that layer's payload. Script: `mitm alter MATCH offset N xor B|set B
 * [count N] [from NODE]` adds a rule, `mitm stop` removes them all.
 */
import { Mitm, type MitmRule, type MitmSettings } from "../devices/mitm.ts";
import { MITM_LAYERS, type MitmMatch, parseMatch } from "../devices/mitm_layers.ts";
import type { SourcePos } from "../topology/model.ts";
import { bool, int, list, obj, positionsOf, type Schema, str } from "../topology/schema.ts";
import { type Agree, defineKind, optional, required, type SettingsOf } from "./kind.ts";
import { actionsOn } from "../topology/script_index.ts";

/** The words a rule's `match` may be, for messages. */
export const MATCH_WORDS = `${MITM_LAYERS.join(", ")} or udp:PORT`;

const matchSchema: Schema<MitmMatch> = (v, ctx) => {
  const written = (v.node as { value?: unknown } | null)?.value;
  const match = typeof written === "string" ? parseMatch(written) : null;
  if (!match) {
    ctx.error(v.pos, `${v.label}: expected ${MATCH_WORDS}, got ${JSON.stringify(written ?? null)}`);
    return undefined;
  }
  return match;
};

const ruleSchema = obj({
  match: matchSchema,
  offset: int(0, 65535),
  xor: int(0, 255),
  set: int(0, 255),
  count: int(1, 1_000_000),
  from: str({ nonEmpty: true }),
}, { required: ["match", "offset"] });

const keys = {
  link: required(str({ nonEmpty: true })),
  rules: optional(list(ruleSchema)),
  "fix-checksums": optional(bool()),
};

const _agree: Agree<SettingsOf<typeof keys>, MitmSettings> = true;

/** A rule needs exactly one change, and its `from` must be a node at one end of the link. */
export function checkRule(
  rule: Pick<MitmRule, "xor" | "set" | "from">,
  ends: readonly string[],
  link: string,
  report: (key: "xor" | "set" | "from" | undefined, message: string) => void,
): void {
  if ((rule.xor === undefined) === (rule.set === undefined)) {
    report(rule.xor !== undefined ? "set" : undefined, "a rule needs exactly one of xor: or set:");
  }
  if (rule.from !== undefined && ends.length > 0 && !ends.includes(rule.from)) {
    report("from", `from: ${rule.from} is not at either end of link ${link} (${ends.join(", ")})`);
  }
}

/** A man in the middle on a link. */
export const mitmKind = defineKind({
  name: "mitm",
  summary: "a man in the middle on a link: alters chosen bytes of passing frames (by layer and offset)",
  routes: false,
  gateway: false,
  interfacesRequired: false,
  keys,
  commands: ["mitm alter", "mitm stop"],
  check(node, settings, model, report, positions) {
    const link = model.links.find((l) => l.name === settings.link);
    if (!link) {
      const names = model.links.map((l) => l.name);
      report(
        positions.link,
        `link: there is no link "${settings.link}" to sit on (links: ${names.join(", ") || "none"})`,
      );
    }
    const ends = link?.endpoints.map((e) => e.node) ?? [];
    for (const rule of settings.rules ?? []) {
      const at = positionsOf(rule);
      checkRule(
        rule,
        ends,
        settings.link,
        (key, message) => report(at[key ?? "match"] ?? positions.rules, `rules: ${message}`),
      );
    }
    for (const action of actionsOn(model, node.name)) {
      if (action.command.name !== "mitm-alter") continue;
      const pos: SourcePos = action.pos;
      checkRule(
        action.command.args as Pick<MitmRule, "xor" | "set" | "from">,
        ends,
        settings.link,
        (_key, message) => report(pos, `mitm alter: ${message}`),
      );
    }
  },
  create: (spec, settings, ctx) => new Mitm(spec, ctx, settings),
});
