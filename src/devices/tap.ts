import type { SimContext } from "../engine/context.ts";
import { ikeMessageOf, pskCrackReport } from "./apps/psk_crack.ts";
import type { TraceRecord } from "../trace/record.ts";
import { PROTO_GRE } from "../wire/gre.ts";
import { Device } from "./device.ts";
import type { DeviceSpec, ParsedCommand } from "./spec.ts";
import { crackMsChapV2 } from "./tap_crack.ts";

/** A tap's settings: the link it listens on. */
export interface TapSettings {
  link: string;
  /** Words `crack mschapv2` tries as passwords. */
  wordlist?: string[];
}

/** Protocols whose content an eavesdropper cannot read. */
const OPAQUE = new Set(["ESP"]);

/**
 * An eavesdropper on a link (a mirror port, a fibre splitter, a rogue Wi-Fi): it records every frame
 * put on the link it watches, as an `app` record saying what it could read, and never sends, delays or
 * alters anything, so forwarding is exactly the same with or without it.
 *
 * It watches by observing the trace's `tx` records for its link: every frame on a link is one of
 * those, so the tap sees exactly what the pcap of that link holds, in the same order.
 */
export class Tap extends Device {
  readonly watched: string;
  readonly wordlist: readonly string[];
  seen = 0;
  /** GRE datagrams seen, kept for `crack mschapv2` (other frames are not needed by any attack here). */
  readonly #gre: Uint8Array[] = [];
  /** The IKE messages seen so far, for `psk-crack`. */
  readonly ikeMessages: Uint8Array[] = [];

  constructor(spec: DeviceSpec, ctx: SimContext, settings: TapSettings) {
    super(spec, ctx, false);
    this.watched = settings.link;
    this.wordlist = settings.wordlist ?? [];
  }

  override start(): void {
    super.start();
    this.ctx.trace.subscribe((record) => {
      if (record.kind === "tx" && record.link === this.watched) this.#saw(record);
    });
    this.log(`tap listening on link ${this.watched}`, { tool: "tap", link: this.watched });
  }

  override runCommand(command: ParsedCommand): void {
    if (command.name === "crack-mschapv2") return crackMsChapV2(this, this.#gre, this.wordlist);
    if (command.name !== "psk-crack") return super.runCommand(command);
    const words = typeof command.args.words === "string"
      ? command.args.words.split(/[\s,]+/).filter((w: string) => w.length > 0)
      : undefined;
    const { summary, detail } = pskCrackReport(this.ikeMessages, words);
    this.log(summary, { ...detail, link: this.watched });
  }

  #saw(frame: TraceRecord): void {
    this.seen++;
    if (frame.bytes && frame.bytes[9] === PROTO_GRE && !frame.linktype) this.#gre.push(frame.bytes);
    const ike = frame.bytes && ikeMessageOf(frame.bytes);
    if (ike) this.ikeMessages.push(ike);
    const readable = !OPAQUE.has(frame.proto ?? "");
    this.ctx.trace.emit({
      kind: "app",
      node: this.name,
      link: this.watched,
      pkt: frame.pkt,
      proto: frame.proto,
      summary: `tap on ${this.watched} sees ${frame.summary}${readable ? "" : " (encrypted)"}`,
      detail: {
        tool: "tap",
        link: this.watched,
        from: `${frame.node}:${frame.iface ?? "?"}`,
        length: frame.bytes?.length ?? 0,
        readable,
        frame: this.seen,
      },
    });
  }
}
