import { runFlood } from "/work/wt/scale/bench/run_case.ts";
export function main(b = "") { console.log(JSON.stringify(runFlood(b === "bounded"))); }
