/**
 * Records as sentences a student reads aloud: a table row change ("home-router: new NAT mapping udp
 * 192.168.1.10:1701 → 198.51.100.2:1701 towards 203.0.113.10:1701"), a NAT rewrite, a forward. Values
 * are written as words and numbers, never as JSON. Pure: no DOM.
 */
import type { TraceRecord } from "../../src/trace/record.ts";

/** A value as text: strings as written, lists joined, nested rows as `name value` pairs. */
export function valueText(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return value.map(valueText).join(", ");
  if (typeof value === "object") {
    return Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${k} ${valueText(v)}`)
      .join(", ");
  }
  return String(value);
}

/** `name value, name value` for a row, skipping empty values. */
function rowText(row: Record<string, unknown>, skip: string[] = []): string {
  return Object.entries(row)
    .filter(([k, v]) => !skip.includes(k) && valueText(v) !== "")
    .map(([k, v]) => `${k} ${valueText(v)}`)
    .join(", ");
}

/** The fields that changed from `before` to `after`, as `name old → new`. */
function changes(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(after)) {
    const old = before[k];
    if (valueText(old) !== valueText(v)) {
      out.push(old === undefined ? `${k} ${valueText(v)}` : `${k} ${valueText(old)} → ${valueText(v)}`);
    }
  }
  for (const k of Object.keys(before)) if (!(k in after)) out.push(`${k} cleared`);
  return out;
}

const str = (row: Record<string, unknown>, key: string) => valueText(row[key]);

/**
 * One table-row change as a sentence. `before` is the row's previous value (undefined when the row
 * is new), `r.value` the new one (null when removed).
 */
export function stateSentence(r: TraceRecord, before?: Record<string, unknown> | null): string {
  const table = r.table ?? "table";
  const key = r.key ?? "";
  const after = r.value ?? null;
  const who = `${r.node}:`;
  if (table === "nat") {
    if (after === null) return `${who} NAT mapping ${key} expired and was removed`;
    const where = `${str(after, "proto").toLowerCase()} ${str(after, "inside")} → ${str(after, "outside")}`;
    const towards = after.remote !== undefined ? ` towards ${str(after, "remote")}` : "";
    if (!before) return `${who} new NAT mapping ${where}${towards}`;
    const changed = changes(before, after).filter((c) => !c.startsWith("expires"));
    return `${who} NAT mapping ${where}${towards}: ${changed.join(", ") || "refreshed"}`;
  }
  if (table === "nat-settings") return `${who} NAT setting ${key} = ${str(after ?? {}, "value")}`;
  if (table === "interfaces") {
    return after === null ? `${who} interface ${key} removed` : `${who} interface ${key} ${rowText(after)}`;
  }
  if (table === "routes") {
    return after === null ? `${who} route removed` : `${who} route ${str(after, "route")}`;
  }
  const noun = NOUNS[table] ?? `${table} row`;
  if (after === null) return `${who} ${noun} ${key} removed`;
  if (!before) return `${who} new ${noun} ${key}: ${rowText(after)}`;
  const changed = changes(before, after);
  if (changed.length === 0) return `${who} ${noun} ${key} unchanged`;
  return `${who} ${noun} ${key}: ${changed.join(", ")}`;
}

const NOUNS: Record<string, string> = {
  "l2tp-tunnels": "L2TP tunnel",
  "l2tp-sessions": "L2TP session",
  ppp: "PPP link",
  "ike-sas": "IKE SA",
  "ipsec-sas": "IPsec SA",
  "ipsec-policy": "IPsec policy",
  vpn: "VPN connection",
  "ip-pool": "address pool",
  dns: "DNS setting",
  subscribers: "subscriber line",
  lac: "LAC setting",
};

/** What a device did to a packet, in words, for the folded lines of a step. */
export function actionSentence(r: TraceRecord, before?: Record<string, unknown> | null): string {
  switch (r.kind) {
    case "state":
      return stateSentence(r, before);
    case "rx":
      return `${r.node} received it on ${r.iface ?? "?"}`;
    case "tx":
      return `${r.node} sent it on ${r.link ?? r.iface ?? "?"}`;
    case "forward": {
      const d = r.detail ?? {};
      return `${r.node} forwards it out of ${valueText(d.out) || r.iface || "?"}${
        d.nextHop ? ` via ${valueText(d.nextHop)}` : ""
      }`;
    }
    case "deliver": {
      const to = / → (.*)$/.exec(r.summary)?.[1];
      return `${r.node} delivers it${to ? ` to ${to}` : " locally"}`;
    }
    case "nat":
      return `${r.node} NAT: ${r.summary}`;
    case "encap":
      return `${r.node} wraps it: ${r.summary}`;
    case "decap":
      return `${r.node} unwraps it: ${r.summary}`;
    case "drop":
      return `${r.node} DROPS it: ${r.reason ?? r.summary}`;
    case "app":
      return `${r.node}: ${r.summary}`;
    case "link":
      return r.summary;
  }
}
