/**
 * Every table a device publishes, for `--show`, `--help` and a lesson question's `check:` (a typo in a
 * table name is refused before anything runs). A test runs every lesson and requires each table it sees
 * to be listed here.
 */
export const KNOWN_TABLES = [
  "interfaces",
  "routes",
  "nat",
  "nat-settings",
  "l2tp-tunnels",
  "l2tp-sessions",
  "ppp",
  "ip-pool",
  "lac",
  "subscribers",
  "vpn",
  "pptp",
  "dns",
  "ike-sas",
  "ipsec-sas",
  "ipsec-policy",
  "tcp",
  "firewall",
  "conntrack",
  "wireguard",
  "ikev2",
  "ikev2-sas",
  "mitm-rules",
] as const;
