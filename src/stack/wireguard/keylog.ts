/**
 * The WireGuard key log Wireshark reads (`wg.keylog_file`), rebuilt from the trace: every handshake
 * initiation record carries, in its detail, the initiator's static private key, the responder's
 * public key, the ephemeral private key and the pre-shared key, which is all Wireshark needs to
 * follow that handshake and decrypt its transport data in both directions. The layout is that of
 * wireguard-tools' extract-handshakes.sh: `NAME = base64`, one per line, the pre-shared key after the
 * ephemeral key it belongs to. A teaching tool shows its keys; a real one never would.
 */
import type { TraceRecord } from "../../trace/record.ts";

/** One handshake's secrets, base64, as the initiator knew them. */
export interface WireguardHandshakeKeys {
  localStaticPrivate: string;
  remoteStaticPublic: string;
  localEphemeralPrivate: string;
  presharedKey: string;
}

/** Every handshake initiation's keys in the run, in order (each ephemeral key once). */
export function wireguardKeysFromTrace(records: readonly TraceRecord[]): WireguardHandshakeKeys[] {
  const seen = new Set<string>();
  const out: WireguardHandshakeKeys[] = [];
  for (const r of records) {
    const keys = r.kind === "app" ? r.detail?.wireguard as WireguardHandshakeKeys | undefined : undefined;
    if (!keys || seen.has(keys.localEphemeralPrivate)) continue;
    seen.add(keys.localEphemeralPrivate);
    out.push({ ...keys });
  }
  return out;
}

/** First line of every key log we write; also how the CLI recognises a file it may overwrite. */
export const WG_KEYLOG_HEADER = "# Tunnel Lab WireGuard key log";

/** The key log text: a comment header, then four lines per handshake. */
export function formatWireguardKeyLog(keys: readonly WireguardHandshakeKeys[]): string {
  const lines = [
    `${WG_KEYLOG_HEADER} (tshark -o wg.keylog_file:FILE -o wg.dissect_packet:TRUE); ${keys.length} handshake(s).`,
  ];
  for (const k of keys) {
    lines.push(
      `LOCAL_STATIC_PRIVATE_KEY = ${k.localStaticPrivate}`,
      `REMOTE_STATIC_PUBLIC_KEY = ${k.remoteStaticPublic}`,
      `LOCAL_EPHEMERAL_PRIVATE_KEY = ${k.localEphemeralPrivate}`,
      `PRESHARED_KEY = ${k.presharedKey}`,
    );
  }
  return lines.join("\n") + "\n";
}
