import type { SimContext } from "../engine/context.ts";
import type { Interposer, Link, LinkPort } from "../engine/link.ts";
import type { Packet } from "../engine/packet.ts";
import { Device } from "./device.ts";
import { fixChecksums, formatMatch, locate, type MitmMatch } from "./mitm_layers.ts";
import type { DeviceSpec, ParsedCommand } from "./spec.ts";

/**
 * One alteration: in every frame that has `match`'s layer (and, with `from`, that node sent), the byte
 * at `offset` from the start of that layer's payload is XORed with `xor` or replaced by `set`, for the
 * first `count` such frames (all of them when absent).
 */
export interface MitmRule {
  match: MitmMatch;
  offset: number;
  xor?: number;
  set?: number;
  count?: number;
  from?: string;
}

/** A man in the middle's settings: the link it sits on, its rules, and whether it repairs checksums. */
export interface MitmSettings {
  link: string;
  rules?: MitmRule[];
  "fix-checksums"?: boolean;
}

interface Active {
  number: number;
  rule: MitmRule;
  /** Frames still to alter; Infinity without a count. */
  left: number;
}

const hex = (byte: number) => `0x${byte.toString(16).padStart(2, "0")}`;

/**
 * A man in the middle on a link (a compromised router, a rogue access point, an ARP-spoofing host):
 * every frame crossing the link passes through it and reaches the other end after the link's delay
 * as before, but the bytes its rules pick are changed on the way, and each change is a record saying
 * which byte of which layer became what. By default it then recomputes every checksum it can (inner
 * IPv4/ICMP/UDP/TCP inside cleartext L2TP, the outer UDP), as a real attacker's tool would, so a
 * receiver's checksums cannot tell; only a keyed check (ESP's ICV) can.
 */
export class Mitm extends Device implements Interposer {
  readonly watched: string;
  readonly fix: boolean;
  #rules: Active[] = [];
  #numbered = 0;
  altered = 0;

  constructor(spec: DeviceSpec, ctx: SimContext, settings: MitmSettings) {
    super(spec, ctx, false);
    this.watched = settings.link;
    this.fix = settings["fix-checksums"] ?? true;
    for (const rule of settings.rules ?? []) this.#add(rule, false);
  }

  override useLinks(links: ReadonlyMap<string, Link>): void {
    const link = links.get(this.watched);
    if (link) link.interposer = this;
  }

  override start(): void {
    super.start();
    this.log(
      `mitm on link ${this.watched}: ${this.#rules.length} rule(s), checksums ${
        this.fix ? "recomputed" : "left as they are"
      }`,
      { tool: "mitm", link: this.watched },
    );
    for (const active of this.#rules) this.#publish(active);
  }

  override runCommand(command: ParsedCommand): void {
    if (command.name === "mitm-alter") {
      const active = this.#add(command.args as unknown as MitmRule, true);
      this.log(`mitm rule ${active.number}: ${describeRule(active.rule)}`, { tool: "mitm" });
      return;
    }
    if (command.name === "mitm-stop") {
      const stopped = this.#rules.length;
      for (const active of this.#rules) this.state("mitm-rules", String(active.number), null);
      this.#rules = [];
      this.log(`mitm stops altering (${stopped} rule(s) removed); frames pass unchanged`, { tool: "mitm" });
      return;
    }
    super.runCommand(command);
  }

  #add(rule: MitmRule, publish: boolean): Active {
    const active = { number: ++this.#numbered, rule, left: rule.count ?? Infinity };
    this.#rules.push(active);
    if (publish) this.#publish(active);
    return active;
  }

  #publish(active: Active): void {
    const { rule } = active;
    this.state("mitm-rules", String(active.number), {
      match: formatMatch(rule.match),
      offset: rule.offset,
      ...(rule.xor !== undefined ? { xor: hex(rule.xor) } : { set: hex(rule.set ?? 0) }),
      ...(rule.from !== undefined ? { from: rule.from } : {}),
      left: Number.isFinite(active.left) ? active.left : "all",
    });
  }

  intercept(frame: Uint8Array, packet: Packet, from: LinkPort, to: LinkPort): void {
    const changes: Record<string, unknown>[] = [];
    const words: string[] = [];
    for (const active of [...this.#rules]) {
      const { rule } = active;
      if (rule.from !== undefined && rule.from !== from.node) continue;
      const found = locate(frame, rule.match);
      if (!found || found.start + rule.offset >= found.end) continue;
      const at = found.start + rule.offset;
      const before = frame[at];
      const after = rule.xor !== undefined ? before ^ rule.xor : rule.set ?? before;
      frame[at] = after;
      changes.push({
        rule: active.number,
        layer: formatMatch(rule.match),
        offset: rule.offset,
        at,
        before: hex(before),
        after: hex(after),
      });
      words.push(`byte ${rule.offset} of the ${found.what} ${hex(before)} → ${hex(after)}`);
      active.left--;
      if (active.left <= 0) {
        this.#rules = this.#rules.filter((a) => a !== active);
        this.state("mitm-rules", String(active.number), null);
      } else if (Number.isFinite(active.left)) this.#publish(active);
    }
    if (changes.length === 0) return;
    this.altered++;
    const fixed = this.fix ? fixChecksums(frame) : [];
    const repaired = fixed.length > 0
      ? `; recomputed the ${fixed.join(", ")} checksum${fixed.length > 1 ? "s" : ""}`
      : "";
    const keyed = changes.some((c) => c.layer === "esp")
      ? "; the ICV cannot be recomputed without the SA's key"
      : "";
    this.ctx.trace.emit({
      kind: "app",
      node: this.name,
      link: this.watched,
      pkt: packet.id,
      proto: this.ctx.frames.label(frame),
      summary: `mitm alters ${from.node} → ${to.node} ${this.ctx.frames.summarize(packet.bytes)}: ${
        words.join(", ")
      }${repaired}${keyed}`,
      detail: {
        tool: "mitm",
        link: this.watched,
        from: from.node,
        to: to.node,
        changes,
        checksums: fixed,
        frame: this.altered,
      },
    });
  }
}

/** `l2tp offset 40 xor 0xff count 1 from isp`: a rule in the words of the script command. */
export function describeRule(rule: MitmRule): string {
  const change = rule.xor !== undefined ? `xor ${hex(rule.xor)}` : `set ${hex(rule.set ?? 0)}`;
  const count = rule.count !== undefined ? ` count ${rule.count}` : "";
  const from = rule.from !== undefined ? ` from ${rule.from}` : "";
  return `${formatMatch(rule.match)} offset ${rule.offset} ${change}${count}${from}`;
}
