/**
 * Shared plumbing for tests that make tshark the judge of our bytes. Where tshark is missing the
 * test is skipped on a developer's machine but fails under CI=true, so CI can never pass by skipping.
 */
import assert from "node:assert/strict";
import { fastRun } from "./fast_run.ts";

export function tsharkAvailable(): boolean {
  try {
    return new Deno.Command("tshark", { args: ["--version"], stdout: "null", stderr: "null" }).outputSync()
      .success;
  } catch {
    return false;
  }
}

/**
 * `ignore` for Deno.test: skip in a fast run, or without tshark except under CI where the test must
 * run (and fail).
 */
export const skipWithoutTshark = fastRun || (!tsharkAvailable() && Deno.env.get("CI") !== "true");

/** Runs tshark and returns stdout; throws with stderr when tshark fails. */
export function tshark(args: string[]): string {
  const out = new Deno.Command("tshark", { args, stdout: "piped", stderr: "piped" }).outputSync();
  const stderr = new TextDecoder().decode(out.stderr).replace(/^Running as user "root".*\n?/m, "");
  if (!out.success) throw new Error(`tshark ${args.join(" ")} failed: ${stderr}`);
  return new TextDecoder().decode(out.stdout);
}

export const CHECKSUM_PREFS = [
  "-o",
  "ip.check_checksum:TRUE",
  "-o",
  "udp.check_checksum:TRUE",
  "-o",
  "tcp.check_checksum:TRUE",
];
/**
 * Malformed frames and expert warnings. TCP's own analysis (retransmission, lost segment, zero window)
 * and resets are warnings by design on a lossy or refusing path; TCP captures are judged by malformed
 * frames, checksums and stream completeness instead (tests/interop/tcp_tshark_test.ts).
 */
export const PROBLEM_FILTER =
  "_ws.malformed || (_ws.expert.severity >= 0x00600000 && !tcp.analysis.flags && !(tcp.flags.reset == 1))";

/** Frames tshark finds malformed or worth a warning, as `frame: message` lines (empty when clean). */
export function problems(pcap: string, extra: string[] = []): string[] {
  const out = tshark([
    "-r",
    pcap,
    ...CHECKSUM_PREFS,
    ...extra,
    "-Y",
    PROBLEM_FILTER,
    "-T",
    "fields",
    "-e",
    "frame.number",
    "-e",
    "_ws.expert.message",
  ]);
  return out.split("\n").filter((line) => line.trim() !== "");
}

/** One field per frame (`-T fields -e FIELD`), frames without the field omitted. */
export function fieldValues(pcap: string, field: string, filter?: string, extra: string[] = []): string[] {
  const args = ["-r", pcap, ...CHECKSUM_PREFS, ...extra, "-T", "fields", "-e", field];
  if (filter) args.push("-Y", filter);
  return tshark(args).split("\n").filter((line) => line.trim() !== "");
}

export function assertTsharkPresent(): void {
  assert.ok(tsharkAvailable(), "tshark is required (apt-get install -y tshark)");
}
