/**
 * The keys Wireshark needs to open a run's IPsec traffic, read back from the trace: each ESP SA
 * (SPI, algorithms, keys) and each IKEv1 SA (initiator cookie, phase-1 cipher key). The engine puts
 * them in the `detail` of its "IKE_SA established" and "CHILD_SA established" records (IKEv2 SAs as
 * rows of Wireshark's ikev2_decryption_table), so this works
 * on a saved trace as well as on a live run. A teaching tool shows its keys; a real one never would.
 */
import type { TraceRecord } from "./record.ts";

/** One ESP SA as Wireshark's `esp_sa` table wants it. */
export interface EspSaKey {
  /** `0x…`, 8 hex digits. */
  spi: string;
  /** Addresses as the sender saw them (behind a NAT the outside link shows others: use `*`). */
  src: string;
  dst: string;
  /** Wireshark's encryption algorithm name, e.g. `AES-CBC [RFC3602]`. */
  encryption: string;
  encryptionKey: string;
  /** Wireshark's authentication algorithm name, `NULL` for AES-GCM. */
  authentication: string;
  authenticationKey: string;
  udpEncap: boolean;
}

/** One IKEv1 SA as Wireshark's `ikev1_decryption_table` wants it. */
export interface Ikev1Key {
  initiatorCookie: string;
  encryptionKey: string;
}

/** One IKEv2 SA as Wireshark's `ikev2_decryption_table` wants it (hex keys, algorithm names). */
export interface Ikev2Key {
  spiI: string;
  spiR: string;
  skEi: string;
  skEr: string;
  encryption: string;
  skAi: string;
  skAr: string;
  integrity: string;
}

export interface IpsecKeys {
  esp: EspSaKey[];
  ikev1: Ikev1Key[];
  /** Absent in keys read by older callers; treated as none. */
  ikev2?: Ikev2Key[];
}

/** Every ESP and IKEv1 key the run negotiated, each once, in the order they appeared. */
export function ipsecKeysFromTrace(records: readonly TraceRecord[]): IpsecKeys {
  const esp = new Map<string, EspSaKey>();
  const ikev1 = new Map<string, Ikev1Key>();
  const ikev2 = new Map<string, Ikev2Key>();
  for (const r of records) {
    if (r.kind !== "app" || !r.detail) continue;
    const ike = r.detail.ikev1 as Ikev1Key | undefined;
    if (ike && !ikev1.has(ike.initiatorCookie)) ikev1.set(ike.initiatorCookie, { ...ike });
    const v2 = r.detail.ikev2 as Ikev2Key | undefined;
    if (v2 && !ikev2.has(v2.spiI + v2.spiR)) ikev2.set(v2.spiI + v2.spiR, { ...v2 });
    for (const sa of (r.detail.esp as EspSaKey[] | undefined) ?? []) {
      if (!esp.has(sa.spi)) esp.set(sa.spi, { ...sa });
    }
  }
  return { esp: [...esp.values()], ikev1: [...ikev1.values()], ikev2: [...ikev2.values()] };
}

export interface TsharkKeyOptions {
  /**
   * Match ESP SAs on SPI alone (`*` for both addresses), so one set of options opens the capture of
   * every link, before and after a NAT. Default true.
   */
  wildcardAddresses?: boolean;
}

/**
 * The `-o` option values that make tshark decrypt and authenticate the run's ESP and IKEv1 traffic
 * (pass each as `-o VALUE`).
 */
export function tsharkKeyOptions(keys: IpsecKeys, options: TsharkKeyOptions = {}): string[] {
  const wildcard = options.wildcardAddresses ?? true;
  const out: string[] = [];
  if (keys.esp.length) {
    out.push("esp.enable_encryption_decode:TRUE", "esp.enable_authentication_check:TRUE");
  }
  for (const sa of keys.esp) {
    const fields = [
      "IPv4",
      wildcard ? "*" : sa.src,
      wildcard ? "*" : sa.dst,
      sa.spi,
      sa.encryption,
      `0x${sa.encryptionKey}`,
      sa.authentication,
      sa.authenticationKey ? `0x${sa.authenticationKey}` : "",
    ];
    out.push(`uat:esp_sa:${fields.map((f) => `"${f}"`).join(",")}`);
  }
  for (const ike of keys.ikev1) {
    out.push(`uat:ikev1_decryption_table:${ike.initiatorCookie},${ike.encryptionKey}`);
  }
  for (const k of keys.ikev2 ?? []) {
    // Byte fields go bare (hex), the two algorithm names quoted, as Wireshark's UAT file has them.
    const fields = [k.spiI, k.spiR, k.skEi, k.skEr, `"${k.encryption}"`, k.skAi, k.skAr, `"${k.integrity}"`];
    out.push(`uat:ikev2_decryption_table:${fields.join(",")}`);
  }
  return out;
}

/**
 * A keys file for `--keys FILE`: comment lines, then one tshark `-o` value per line, e.g.
 * `grep -v '^#' keys.txt | sed 's/^/-o\n/' | xargs -d '\n' tshark -r run.pcap`.
 */
export function formatKeysFile(keys: IpsecKeys, options: TsharkKeyOptions = {}): string {
  const lines = [
    "# Tunnel Lab IPsec keys: each line below is one tshark option; pass it as -o '<line>'.",
    `# ${keys.esp.length} ESP SA(s), ${keys.ikev1.length} IKEv1 SA(s)${
      keys.ikev2?.length ? `, ${keys.ikev2.length} IKEv2 SA(s)` : ""
    }.`,
    ...tsharkKeyOptions(keys, options),
  ];
  return lines.join("\n") + "\n";
}
