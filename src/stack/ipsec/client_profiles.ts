/**
 * What real L2TP/IPsec clients offer, as `client:` profiles of a voluntary client's `ipsec:` block:
 * their Main Mode and Quick Mode proposals (in the initiator's order), lifetimes and quirks. Only
 * the algorithms this simulator implements can be offered, so offers of elliptic-curve groups are
 * left out; docs/ipsec.md names the public sources and what each list leaves out.
 */
import { type Micros, SECOND } from "../../engine/time.ts";

const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

export type ClientProfile = "windows" | "macos" | "strongswan" | "xl2tpd";
export const CLIENT_PROFILES: readonly ClientProfile[] = ["windows", "macos", "strongswan", "xl2tpd"];

/** One profile: proposals in strongSwan's syntax, lifetimes and the quirks that matter here. */
export interface ClientProfileSpec {
  ike: string;
  esp: string;
  ikelifetime: Micros;
  lifetime: Micros;
  margin?: Micros;
  /** Whether the client announces RFC 3706 DPD in its Vendor IDs (Windows does not). */
  dpdVendorId: boolean;
  /**
   * Windows' AssumeUDPEncapsulationContextOnSendRule: the client refuses SAs with a server behind a
   * NAT unless this setting allows it.
   */
  refusesServerBehindNat: boolean;
}

export const CLIENT_PROFILE_SPECS: Record<ClientProfile, ClientProfileSpec> = {
  // Windows 10/11's built-in client; its offer starts with AES-256/SHA-1/ECP-384 and AES-128/SHA-1/ECP-256.
  windows: {
    ike: "aes256-sha1-modp2048,aes128-sha1-modp2048,3des-sha1-modp2048,3des-sha1-modp1024",
    esp: "aes256-sha1,aes128-sha1,3des-sha1",
    ikelifetime: 8 * HOUR,
    lifetime: 1 * HOUR,
    dpdVendorId: false,
    refusesServerBehindNat: true,
  },
  // macOS's racoon-derived client: a long cross product, ending in 3DES with group 2.
  macos: {
    ike: [
      "aes256-sha256-modp2048",
      "aes256-sha1-modp2048",
      "aes128-sha256-modp2048",
      "aes128-sha1-modp2048",
      "3des-sha256-modp2048",
      "3des-sha1-modp2048",
      "aes256-sha256-modp1024",
      "aes256-sha1-modp1024",
      "aes128-sha256-modp1024",
      "aes128-sha1-modp1024",
      "3des-sha256-modp1024",
      "3des-sha1-modp1024",
      "aes256-md5-modp1024",
      "3des-md5-modp1024",
    ].join(","),
    esp: "aes256-sha256,aes256-sha1,aes128-sha1,3des-sha1",
    ikelifetime: 1 * HOUR,
    lifetime: 1 * HOUR,
    dpdVendorId: true,
    refusesServerBehindNat: false,
  },
  // charon as the IPsec half of a Linux L2TP client, configured the way setup guides do it.
  strongswan: {
    ike: "aes128-sha1-modp2048",
    esp: "aes128-sha1",
    ikelifetime: 3 * HOUR,
    lifetime: 1 * HOUR,
    margin: 9 * MINUTE,
    dpdVendorId: true,
    refusesServerBehindNat: false,
  },
  // xl2tpd beside libreswan as NetworkManager-l2tp sets it up: AES first, 3DES/group 2 for old servers.
  xl2tpd: {
    ike: "aes256-sha1-modp2048,aes128-sha1-modp2048,3des-sha1-modp1024",
    esp: "aes256-sha1,aes128-sha1,3des-sha1",
    ikelifetime: 8 * HOUR,
    lifetime: 1 * HOUR,
    dpdVendorId: true,
    refusesServerBehindNat: false,
  },
};

/** AssumeUDPEncapsulationContextOnSendRule: 0 no server behind NAT, 1 server behind NAT, 2 both. */
export type AssumeUdpEncapsulation = 0 | 1 | 2;

/**
 * Why a Windows-like client refuses to go on, or null: its registry setting must allow a server
 * behind a NAT (1), or a server and a client both behind NATs (2).
 */
export function natRefusal(
  setting: AssumeUdpEncapsulation,
  natLocal: boolean,
  natRemote: boolean,
): string | null {
  if (!natRemote) return null;
  const needed = natLocal ? 2 : 1;
  if (setting >= needed) return null;
  return `the VPN server is behind a NAT${
    natLocal ? " and so is this client" : ""
  }, and AssumeUDPEncapsulationContextOnSendRule is ${setting} (${
    natLocal ? "2 allows that" : "1 or 2 allow that"
  }): Windows makes no IPsec SA, and the connection fails with error 809 (the remote server is not responding)`;
}
