import { runScale } from "/work/wt/scale/bench/run_case.ts";
export function main(n = "1000", mode = "ipsec") { console.log(JSON.stringify(runScale(Number(n), 10, mode === "ipsec"))); }
