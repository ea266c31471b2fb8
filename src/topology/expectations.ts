/**
 * Reads a topology's `expect:` list: what a lesson promises will happen, checked after every run
 * by src/trace/expect.ts. Each item names exactly one condition:
 *
 * ```yaml
 * expect:
 *   - {say: "the ping gets through", node: laptop, log: "3 received", by: 10s}
 *   - {say: "the server reassembles", node: server, event: "reassembled 2 fragments"}
 *   - {say: "the router refuses L2TP", drop-at: home-router, reason: "l2tp-passthrough"}
 *   - {say: "a tap reads the inner ping", link: isp-link, carries: "ICMP echo request"}
 *   - {say: "IPsec hides it", link: isp-link, carries: "ICMP", never: true}
 *   - {say: "the LNS has a session", state: "l2tp-sessions@lns", row: "established"}
 * ```
 *
 * A lesson's `look-for` items carry the same conditions as `check:`, so what the lesson tells students
 * to watch is checked like a promise.
 */
import { isScalar } from "yaml";
import type { Expectation, LookFor, SourcePos, TopologyModel } from "./model.ts";
import { bool, type Ctx, duration, obj, type ObjOut, positionsOf, str, type Val } from "./schema.ts";
import { suggestion } from "./values.ts";

const conditionFields = {
  node: str({ nonEmpty: true }),
  log: str({ nonEmpty: true }),
  event: str({ nonEmpty: true }),
  "drop-at": str({ nonEmpty: true }),
  reason: str({ nonEmpty: true }),
  link: str({ nonEmpty: true }),
  carries: str({ nonEmpty: true }),
  state: str({ pattern: /^[A-Za-z0-9_.-]+@[A-Za-z0-9_.-]+$/, hint: "TABLE@NODE, e.g. l2tp-tunnels@lns" }),
  row: str({ nonEmpty: true }),
  by: duration(0),
  after: duration(0),
  never: bool(),
};
const itemSchema = obj({ say: str({ nonEmpty: true }), ...conditionFields }, { required: ["say"] });
const checkSchema = obj(conditionFields);
const lookForSchema = obj({
  text: str({ nonEmpty: true }),
  check: (v: Val) => v,
  unchecked: str({ nonEmpty: true }),
}, {
  required: ["text"],
});

const CONDITIONS = ["log", "event", "drop-at", "carries", "state"] as const;

/** Reads one item; reports mistakes against the model's node and link names. */
export function readExpectation(item: Val, ctx: Ctx, model: TopologyModel): Expectation | undefined {
  const raw = itemSchema(item, ctx);
  return raw && conditionOf(raw, raw.say!, item, ctx, model);
}

/**
 * Reads one `look-for` item: a plain string, `{text, check}` where `check` is an expectation's condition
 * (without `say`; the text is its sentence), or `{text, unchecked: why}` where no run can show it.
 */
export function readLookFor(item: Val, ctx: Ctx, model: TopologyModel): LookFor | undefined {
  if (item.node !== null && isScalar(item.node)) {
    const text = str({ nonEmpty: true })(item, ctx);
    return text === undefined ? undefined : { text };
  }
  const raw = lookForSchema(item, ctx);
  if (!raw) return undefined;
  const text = raw.text!;
  if ((raw.check === undefined) === (raw.unchecked === undefined)) {
    ctx.error(item.pos, `${item.label}: a look-for item needs exactly one of check or unchecked`);
    return undefined;
  }
  if (raw.unchecked !== undefined) return { text, unchecked: raw.unchecked };
  const where = { ...raw.check!, label: `${item.label}.check` };
  const check = readCondition(where, text, ctx, model);
  return check && { text, check };
}

/** Reads a bare condition (an expectation without `say`); `say` is the sentence it stands for. */
export function readCondition(
  where: Val,
  say: string,
  ctx: Ctx,
  model: TopologyModel,
): Expectation | undefined {
  const condition = checkSchema(where, ctx);
  return condition && conditionOf(condition, say, where, ctx, model);
}

function conditionOf(
  raw: ObjOut<typeof conditionFields>,
  say: string,
  item: Val,
  ctx: Ctx,
  model: TopologyModel,
): Expectation | undefined {
  const at = positionsOf(raw);
  const pos = (key: string): SourcePos => at[key] ?? item.pos;
  const given = CONDITIONS.filter((key) => raw[key] !== undefined);
  if (given.length !== 1) {
    ctx.error(
      item.pos,
      `${item.label}: an expectation needs exactly one of log, event, drop-at, carries or state` +
        (given.length ? ` (found ${given.join(", ")})` : ""),
    );
    return undefined;
  }
  const nodes = model.nodes.map((n) => n.name);
  const links = model.links.map((l) => l.name);
  const knownNode = (name: string, key: string): boolean => {
    if (nodes.includes(name)) return true;
    ctx.error(pos(key), `${item.label}: no node "${name}"${suggestion(name, nodes)}`);
    return false;
  };
  let what: Expectation["what"] | undefined;
  if (raw.log !== undefined) {
    if (raw.node === undefined) {
      ctx.error(item.pos, `${item.label}: "log" needs "node" (whose output to read)`);
    } else if (knownNode(raw.node, "node")) what = { kind: "log", node: raw.node, text: raw.log };
  } else if (raw.event !== undefined) {
    if (raw.node === undefined) ctx.error(item.pos, `${item.label}: "event" needs "node" (where it happens)`);
    else if (knownNode(raw.node, "node")) what = { kind: "event", node: raw.node, text: raw.event };
  } else if (raw["drop-at"] !== undefined) {
    if (knownNode(raw["drop-at"], "drop-at")) {
      what = { kind: "drop", node: raw["drop-at"], reason: raw.reason };
    }
  } else if (raw.carries !== undefined) {
    if (raw.link === undefined) {
      ctx.error(item.pos, `${item.label}: "carries" needs "link" (where to listen)`);
    } else if (!links.includes(raw.link)) {
      ctx.error(pos("link"), `${item.label}: no link "${raw.link}"${suggestion(raw.link, links)}`);
    } else what = { kind: "carries", link: raw.link, text: raw.carries };
  } else if (raw.state !== undefined) {
    const [table, node] = raw.state.split("@");
    if (raw.row === undefined) {
      ctx.error(item.pos, `${item.label}: "state" needs "row" (text the row must contain)`);
    } else if (knownNode(node, "state")) what = { kind: "state", node, table, text: raw.row };
  }
  if (raw.reason !== undefined && raw["drop-at"] === undefined) {
    ctx.error(pos("reason"), `${item.label}: "reason" only goes with "drop-at"`);
  }
  if (raw.by !== undefined && raw.by > model.duration) {
    ctx.error(pos("by"), `${item.label}: by ${raw.by / 1e6}s is after the end of the run (duration)`);
  }
  if (!what) return undefined;
  return { say, what, by: raw.by, after: raw.after, never: raw.never ?? false, pos: item.pos };
}
