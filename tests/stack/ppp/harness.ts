import { Prng } from "../../../src/engine/prng.ts";
import { Scheduler } from "../../../src/engine/scheduler.ts";
import { type Micros, MS } from "../../../src/engine/time.ts";
import { type PppConfig, type PppPhase, PppSession, type PppUpInfo } from "../../../src/stack/ppp/session.ts";
import type { TraceRecord } from "../../../src/trace/record.ts";
import { Tracer } from "../../../src/trace/tracer.ts";
import { type ChapPacket, decodeChap } from "../../../src/wire/chap.ts";
import {
  type CpPacket,
  decodeIpcp,
  decodeLcp,
  encodeIpcp,
  encodeLcp,
  type IpcpOption,
  type LcpOption,
} from "../../../src/wire/lcp.ts";
import { decodePap, type PapPacket } from "../../../src/wire/pap.ts";
import { decodePpp, encodePpp, PPP_CHAP, PPP_IPCP, PPP_LCP, PPP_PAP } from "../../../src/wire/ppp.ts";

/** Which end sent a frame. */
export type Side = "client" | "server";

/** A frame as it went on the wire, decoded independently of the sessions. */
export type Seen =
  | { side: Side; t: Micros; lost: boolean; bytes: Uint8Array; proto: "LCP"; packet: CpPacket<LcpOption> }
  | { side: Side; t: Micros; lost: boolean; bytes: Uint8Array; proto: "IPCP"; packet: CpPacket<IpcpOption> }
  | { side: Side; t: Micros; lost: boolean; bytes: Uint8Array; proto: "CHAP"; packet: ChapPacket }
  | { side: Side; t: Micros; lost: boolean; bytes: Uint8Array; proto: "PAP"; packet: PapPacket }
  | { side: Side; t: Micros; lost: boolean; bytes: Uint8Array; proto: "other"; protocol: number };

/** Decodes one frame with the wire modules; throws (failing the test) on anything malformed. */
export function decodeFrame(side: Side, t: Micros, lost: boolean, bytes: Uint8Array): Seen {
  const frame = decodePpp(bytes);
  if (!frame.ok) throw new Error(`malformed frame from ${side}: ${frame.error}`);
  if (!frame.value.addressControl) throw new Error("we always send FF 03");
  const { protocol, payload } = frame.value;
  const must = <T>(d: { ok: true; value: T } | { ok: false; error: string }): T => {
    if (!d.ok) throw new Error(`malformed payload from ${side}: ${d.error}`);
    return d.value;
  };
  const base = { side, t, lost, bytes };
  switch (protocol) {
    case PPP_LCP:
      return { ...base, proto: "LCP", packet: must(decodeLcp(payload)) };
    case PPP_IPCP:
      return { ...base, proto: "IPCP", packet: must(decodeIpcp(payload)) };
    case PPP_CHAP:
      return { ...base, proto: "CHAP", packet: must(decodeChap(payload)) };
    case PPP_PAP:
      return { ...base, proto: "PAP", packet: must(decodePap(payload)) };
    default:
      return { ...base, proto: "other", protocol };
  }
}

/** What one end reported through its callbacks. */
export interface EndLog {
  phases: PppPhase[];
  up?: PppUpInfo;
  down?: string;
  downAt?: Micros;
  ip: Uint8Array[];
}

/** Options for a back-to-back pair. */
export interface PairOptions {
  client: PppConfig;
  server: PppConfig;
  /** One-way delay of each frame (default 20 ms). */
  delay?: Micros;
  /** Probability that a frame is lost (drawn from a PRNG independent of the sessions'). */
  loss?: number;
  seed?: number;
  /** Stops carrying frames from this side (a dead peer). */
  silence?: { side: Side; from: Micros };
}

/** Two sessions wired back to back through the scheduler. */
export interface Pair {
  sched: Scheduler;
  tracer: Tracer;
  client: PppSession;
  server: PppSession;
  seen: Seen[];
  log: Record<Side, EndLog>;
  run(until: Micros): void;
  apps(node?: string): string[];
  drops(): TraceRecord[];
}

/** Builds a client (node "laptop", "ppp0") and a server (node "lns", "session 1") joined by a delay. */
export function pair(options: PairOptions): Pair {
  const sched = new Scheduler();
  const tracer = new Tracer(sched);
  const root = new Prng(options.seed ?? 1);
  const loss = root.fork("loss");
  const delay = options.delay ?? 20 * MS;
  const seen: Seen[] = [];
  const log: Record<Side, EndLog> = { client: { phases: [], ip: [] }, server: { phases: [], ip: [] } };
  const ends: Partial<Record<Side, PppSession>> = {};
  const wire = (side: Side) => (frame: Uint8Array) => {
    const silent = options.silence && options.silence.side === side && sched.now >= options.silence.from;
    const lost = silent || loss.chance(options.loss ?? 0);
    seen.push(decodeFrame(side, sched.now, !!lost, frame.slice()));
    if (lost) return;
    const copy = frame.slice();
    sched.after(delay, () => ends[side === "client" ? "server" : "client"]!.input(copy));
  };
  const client = new PppSession(
    { sched, rng: root.fork("client"), trace: tracer, node: "laptop", label: "ppp0" },
    options.client,
    wire("client"),
  );
  const server = new PppSession(
    { sched, rng: root.fork("server"), trace: tracer, node: "lns", label: "session 1" },
    options.server,
    wire("server"),
  );
  ends.client = client;
  ends.server = server;
  for (const side of ["client", "server"] as const) {
    const session = ends[side]!;
    session.onPhase = (phase) => log[side].phases.push(phase);
    session.onUp = (info) => (log[side].up = info);
    session.onDown = (reason) => {
      log[side].down = reason;
      log[side].downAt = sched.now;
    };
    session.onIp = (datagram) => log[side].ip.push(datagram);
  }
  return {
    sched,
    tracer,
    client,
    server,
    seen,
    log,
    run: (until) => sched.runUntil(until),
    apps: (node) =>
      tracer.records.filter((r) => r.kind === "app" && (node === undefined || r.node === node)).map((r) =>
        r.summary
      ),
    drops: () => tracer.records.filter((r) => r.kind === "drop"),
  };
}

/** A typical LNS configuration (pool of two addresses unless told otherwise). */
export function lnsConfig(overrides: Partial<PppConfig> = {}, pool = ["10.8.0.10", "10.8.0.11"]): PppConfig {
  const free = [...pool];
  return {
    role: "server",
    auth: "chap",
    users: { alice: "wonderland", bob: "builder" },
    localAddress: "10.8.0.1",
    dns: ["10.0.0.53", "10.0.0.54"],
    allocateAddress: () => free.shift(),
    releaseAddress: (address) => free.unshift(address),
    ...overrides,
  };
}

/** A typical laptop configuration. */
export function laptopConfig(overrides: Partial<PppConfig> = {}): PppConfig {
  return { role: "client", mru: 1400, username: "alice", password: "wonderland", ...overrides };
}

/** One line per frame, for failure messages. */
export function describe(seen: Seen[]): string {
  return seen.map((s) => {
    const head = `${(s.t / 1000).toFixed(0).padStart(6)}ms ${s.side.padEnd(6)} ${
      s.lost ? "LOST " : ""
    }${s.proto}`;
    if (s.proto === "other") return `${head} 0x${s.protocol.toString(16)}`;
    const p = s.packet as { kind: string; id: number };
    return `${head} ${p.kind} id ${p.id}`;
  }).join("\n");
}

/** One session facing a test script that plays the peer with hand-built frames. */
export interface Scripted {
  sched: Scheduler;
  tracer: Tracer;
  session: PppSession;
  /** Frames the session sent, decoded. */
  out: Seen[];
  ends: EndLog;
  /** Delivers a frame from the scripted peer. */
  inject(frame: Uint8Array): void;
  lcp(packet: CpPacket<LcpOption>): void;
  ipcp(packet: CpPacket<IpcpOption>): void;
  /** The last packet of `proto` the session sent. */
  last<P extends Seen["proto"]>(proto: P): Extract<Seen, { proto: P }> | undefined;
  apps(): string[];
  drops(): TraceRecord[];
}

/** Builds a session whose frames go to a list and whose input comes from the test. */
export function scripted(config: PppConfig, seed = 7): Scripted {
  const sched = new Scheduler();
  const tracer = new Tracer(sched);
  const out: Seen[] = [];
  const ends: EndLog = { phases: [], ip: [] };
  const session = new PppSession(
    { sched, rng: new Prng(seed), trace: tracer, node: "lns", label: "session 1" },
    config,
    (frame) => out.push(decodeFrame(config.role, sched.now, false, frame.slice())),
  );
  session.onPhase = (phase) => ends.phases.push(phase);
  session.onUp = (info) => (ends.up = info);
  session.onDown = (reason) => {
    ends.down = reason;
    ends.downAt = sched.now;
  };
  session.onIp = (d) => ends.ip.push(d);
  const inject = (frame: Uint8Array) => session.input(frame);
  return {
    sched,
    tracer,
    session,
    out,
    ends,
    inject,
    lcp: (packet) => inject(encodePpp({ protocol: PPP_LCP, payload: encodeLcp(packet) })),
    ipcp: (packet) => inject(encodePpp({ protocol: PPP_IPCP, payload: encodeIpcp(packet) })),
    last: <P extends Seen["proto"]>(proto: P) =>
      [...out].reverse().find((s): s is Extract<Seen, { proto: P }> => s.proto === proto),
    apps: () => tracer.records.filter((r) => r.kind === "app").map((r) => r.summary),
    drops: () => tracer.records.filter((r) => r.kind === "drop"),
  };
}
