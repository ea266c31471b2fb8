/**
 * IKEv2 scenarios from the road-warrior lesson: its topology with the script, settings or presets
 * edited, loaded and run as the CLI would.
 */
import { type SimResult, simulate } from "../../../src/sim.ts";
import { ikev2Of } from "../../../src/stack/ikev2/attach.ts";
import type { Ikev2Daemon } from "../../../src/stack/ikev2/daemon.ts";
import { formatTopologyError, loadTopology } from "../../../src/topology/load.ts";
import type { TraceRecord } from "../../../src/trace/record.ts";

export const LESSON = new URL("../../../topologies/ikev2-road-warrior.yaml", import.meta.url);
export const LESSON_TEXT = Deno.readTextFileSync(LESSON);

export interface LabEdit {
  /** Script lines (YAML flow maps) replacing the lesson's script; the lesson's expectations go with it. */
  script?: string[];
  /** Extra lines under the laptop's and the gateway's `ikev2:` blocks (indented for them). */
  client?: string[];
  server?: string[];
  duration?: string;
  /** Any further textual edit. */
  edit?: (text: string) => string;
}

/** The lesson's text with the edits applied (lesson block and expectations dropped with the script). */
export function labText(e: LabEdit = {}): string {
  let text = LESSON_TEXT;
  if (e.script) {
    text = text.slice(0, text.search(/^script:/m)).replace(/^lesson:\n(?:[ \t].*\n|\n)*/m, "");
    text += `script:\n${e.script.map((l) => `  - ${l}`).join("\n")}\n`;
  }
  if (e.client) {
    text = text.replace(
      /(gateway: 203\.0\.113\.10\n)/,
      `$1${e.client.map((l) => `      ${l}\n`).join("")}`,
    );
  }
  if (e.server) {
    text = text.replace(
      /(pool: 10\.99\.0\.0\/24\n)/,
      `$1${e.server.map((l) => `      ${l}\n`).join("")}`,
    );
  }
  if (e.duration) text = text.replace(/^duration: .*$/m, `duration: ${e.duration}`);
  if (e.edit) text = e.edit(text);
  return text;
}

export function runLab(e: LabEdit = {}, seed?: number): SimResult {
  const loaded = loadTopology(labText(e), "ikev2-lab.yaml");
  if (!loaded.ok) throw new Error(loaded.errors.map(formatTopologyError).join("\n"));
  return simulate(loaded.model, seed === undefined ? {} : { seed });
}

export function daemonOf(result: SimResult, node: string): Ikev2Daemon {
  const device = result.network.devices.get(node);
  const daemon = device && ikev2Of(device);
  if (!daemon) throw new Error(`${node} runs no IKEv2`);
  return daemon;
}

export const logs = (records: readonly TraceRecord[], node: string) =>
  records.filter((r) => r.kind === "app" && r.node === node).map((r) => r.summary);

export const drops = (records: readonly TraceRecord[]) =>
  records.filter((r) => r.kind === "drop").map((r) => `${r.node}: ${(r as { reason?: string }).reason}`);

/** Summaries of what crossed `link` (one per tx). */
export const onLink = (records: readonly TraceRecord[], link: string) =>
  records.filter((r) => r.kind === "tx" && (r as { link?: string }).link === link).map((r) => r.summary);

/** The home router as a plain router (no NAT): the laptop's own address reaches the gateway. */
export function withoutNat(text: string): string {
  return text
    .replace(
      /kind: nat-router\n(\s+position: .*\n)\s+preset: home-router\n(\s+interfaces: .*\n)\s+inside: \[lan0\]\n\s+outside: wan0\n\s+gateway: 198\.51\.100\.1\n/,
      "kind: router\n$1$2    routes:\n      - { to: default, via: 198.51.100.1 }\n",
    )
    .replace(
      "      - { to: default, via: 192.0.2.2 }\n",
      "      - { to: default, via: 192.0.2.2 }\n      - { to: 192.168.1.0/24, via: 198.51.100.2 }\n",
    )
    .replace(
      "      - { to: 198.51.100.0/24, via: 192.0.2.1 }\n",
      "      - { to: 198.51.100.0/24, via: 192.0.2.1 }\n      - { to: 192.168.1.0/24, via: 192.0.2.1 }\n",
    );
}
