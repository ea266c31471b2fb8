const p = JSON.parse(Deno.readTextFileSync(Deno.args[0]));
const byId = new Map<number, any>();
for (const n of p.nodes) byId.set(n.id, n);
const self = new Map<number, number>();
const dt = p.timeDeltas as number[];
for (let i = 0; i < p.samples.length; i++) self.set(p.samples[i], (self.get(p.samples[i]) ?? 0) + (dt[i] ?? 0));
const agg = new Map<string, number>();
let total = 0;
for (const [id, t] of self) {
  const n = byId.get(id); const cf = n.callFrame;
  const key = `${cf.functionName || "(anon)"} ${cf.url.split("/").slice(-2).join("/")}:${cf.lineNumber + 1}`;
  agg.set(key, (agg.get(key) ?? 0) + t); total += t;
}
const rows = [...agg].sort((a, b) => b[1] - a[1]).slice(0, Number(Deno.args[1] ?? 40));
for (const [k, t] of rows) console.log((t / 1000).toFixed(0).padStart(7), "ms", (100 * t / total).toFixed(1).padStart(5) + "%", k);
console.log("total", (total / 1e6).toFixed(2), "s");
