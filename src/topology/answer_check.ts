/**
 * Reads a question's `check:`, the place in the run its answer is read from:
 *
 * ```yaml
 * check: { table: nat@home-router, where: { inside: "192.168.2.10:4500" }, field: outside, part: port }
 * ```
 *
 * The lesson names a table, the row (by fields the author knows from the topology) and the field; the
 * value itself comes from the run, so a what-if change that alters it changes the right answer too.
 */
import { isScalar } from "yaml";
import { KNOWN_TABLES } from "./known_tables.ts";
import type { AnswerCheck, TopologyModel } from "./model.ts";
import { type Ctx, oneOf, readMap, str, type Val } from "./schema.ts";
import { suggestion } from "./values.ts";

const tableSchema = str({
  pattern: /^[A-Za-z0-9_.-]+@[A-Za-z0-9_.-]+$/,
  hint: "TABLE@NODE, e.g. nat@home-router",
});
const partSchema = oneOf(["address", "port"] as const);

/**
 * Reads one `check:`; reports a table or node the lesson does not have at the value that names it. Each
 * key is read on its own, so one mistake does not hide the others.
 */
export function readAnswerCheck(v: Val, ctx: Ctx, model: TopologyModel): AnswerCheck | undefined {
  const entries = readMap(v, ctx, {
    allowed: ["table", "where", "field", "part"],
    required: ["table", "field"],
  });
  if (!entries) return undefined;
  let ok = entries.has("table") && entries.has("field");
  const tableVal = entries.get("table")?.val;
  const named = tableVal && tableSchema(tableVal, ctx);
  let table = "";
  let node = "";
  if (tableVal && named !== undefined) {
    [table, node] = named.split("@");
    if (!(KNOWN_TABLES as readonly string[]).includes(table)) {
      ctx.error(
        tableVal.pos,
        `${v.label}: no device publishes a table "${table}"${suggestion(table, KNOWN_TABLES)}`,
      );
      ok = false;
    }
    const nodes = model.nodes.map((n) => n.name);
    if (!nodes.includes(node)) {
      ctx.error(tableVal.pos, `${v.label}: no node "${node}"${suggestion(node, nodes)}`);
      ok = false;
    }
  } else ok = false;
  const fieldVal = entries.get("field")?.val;
  const field = fieldVal && str({ nonEmpty: true })(fieldVal, ctx);
  if (fieldVal && field === undefined) ok = false;
  const partVal = entries.get("part")?.val;
  const part = partVal && partSchema(partVal, ctx);
  if (partVal && part === undefined) ok = false;
  const where: Record<string, string> = {};
  const whereVal = entries.get("where")?.val;
  if (whereVal) {
    const rows = readMap(whereVal, ctx, {
      expected: 'a map of field to value, e.g. { inside: "10.0.0.2:500" }',
    });
    if (!rows) ok = false;
    for (const entry of rows?.values() ?? []) {
      const value = entry.val.node;
      if (value === null || !isScalar(value) || value.value === null || typeof value.value === "object") {
        ctx.error(
          entry.val.pos,
          `${v.label}.where.${entry.key}: expected a word or number the field must equal`,
        );
        ok = false;
        continue;
      }
      where[entry.key] = String(value.value);
    }
  }
  if (!ok || field === undefined) return undefined;
  const check: AnswerCheck = { node, table, where, field, pos: v.pos };
  if (part) check.part = part;
  return check;
}
