/**
 * The documented ceilings of Tunnel Lab (docs/topology.md, "Limits"): how big a topology file may be
 * and how far one run may go. Each is a deterministic count, never a clock or a memory reading, so a
 * run stops at the same event on every machine and in the browser, and the message can name the
 * setting to change.
 */
import { SECOND } from "./time.ts";

/** Limits on one run; the first one reached stops it, with a record saying which. */
export const RUN_LIMITS = {
  /** Simulated time: `duration`, `--until` and script times may not go past this (24 hours). */
  duration: 24 * 3600 * SECOND,
  /** Scheduler events executed in one run. */
  events: 5_000_000,
  /**
   * Trace records kept in one run (every record stays in memory for the summary, tables and pcaps).
   * Room for the bench's ping flood (1.34 million) and 1,000 L2TP/IPsec clients behind 100 NATs.
   */
  records: 2_000_000,
} as const;

/** Limits on a topology file, checked before it is parsed. */
export const INPUT_LIMITS = {
  /** Bytes in a topology file (the largest lesson is about 10 KB). */
  fileBytes: 1024 * 1024,
} as const;
