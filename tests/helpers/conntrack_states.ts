/**
 * What conntrack's TCP tracking (src/stack/tcp/conntrack.ts) should go through, written out once from
 * Linux's state names: the NAT and firewall tests each check that their own device walks it, so both
 * hold the tracker to the same expectation.
 */

/** One connection opened and then closed first by its originator: its FIN, the ACK, the reply's FIN, the last ACK. */
export const ORIGINATOR_CLOSES_FIRST = [
  "SYN_SENT",
  "SYN_RECV",
  "ESTABLISHED",
  "FIN_WAIT",
  "CLOSE_WAIT",
  "LAST_ACK",
  "TIME_WAIT",
] as const;
