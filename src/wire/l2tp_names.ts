/**
 * L2TPv2 control message types and the names of their codes (RFC 2661 §3.2, §4.4.2): the numbers
 * the stack sends and the words the trace and the inspector print for them.
 */

/** Control message types (RFC 2661 §3.2). */
export const MSG = {
  SCCRQ: 1,
  SCCRP: 2,
  SCCCN: 3,
  StopCCN: 4,
  HELLO: 6,
  OCRQ: 7,
  OCRP: 8,
  OCCN: 9,
  ICRQ: 10,
  ICRP: 11,
  ICCN: 12,
  CDN: 14,
  WEN: 15,
  SLI: 16,
} as const;

/** Short message names as Wireshark prints them (l2tp_message_type_short_str_vals). */
export const MESSAGE_TYPE_NAMES: Record<number, string> = {
  1: "SCCRQ",
  2: "SCCRP",
  3: "SCCCN",
  4: "StopCCN",
  6: "Hello",
  7: "OCRQ",
  8: "OCRP",
  9: "OCCN",
  10: "ICRQ",
  11: "ICRP",
  12: "ICCN",
  14: "CDN",
  15: "WEN",
  16: "SLI",
};

/** Full message names (RFC 2661 §3.2). */
export const MESSAGE_TYPE_LONG_NAMES: Record<number, string> = {
  1: "Start-Control-Connection-Request",
  2: "Start-Control-Connection-Reply",
  3: "Start-Control-Connection-Connected",
  4: "Stop-Control-Connection-Notification",
  6: "Hello",
  7: "Outgoing-Call-Request",
  8: "Outgoing-Call-Reply",
  9: "Outgoing-Call-Connected",
  10: "Incoming-Call-Request",
  11: "Incoming-Call-Reply",
  12: "Incoming-Call-Connected",
  14: "Call-Disconnect-Notify",
  15: "WAN-Error-Notify",
  16: "Set-Link-Info",
};

/** StopCCN result codes (RFC 2661 §4.4.2; wording as in Wireshark's result_code_stopccn_vals). */
export const STOPCCN_RESULT_NAMES: Record<number, string> = {
  0: "Reserved",
  1: "General request to clear control connection",
  2: "General error, Error Code indicates the problem",
  3: "Control connection already exists",
  4: "Requester is not authorized to establish a control connection",
  5: "The protocol version of the requester is not supported",
  6: "Requester is being shut down",
  7: "Finite state machine error or timeout",
};

/** CDN result codes (RFC 2661 §4.4.2; wording as in Wireshark's result_code_cdn_vals). */
export const CDN_RESULT_NAMES: Record<number, string> = {
  0: "Reserved",
  1: "Session disconnected due to loss of carrier or circuit disconnect",
  2: "Session disconnected for the reason indicated in Error Code",
  3: "Session disconnected for administrative reasons",
  4: "Appropriate facilities unavailable (temporary condition)",
  5: "Appropriate facilities unavailable (permanent condition)",
  6: "Invalid destination",
  7: "Call failed due to no carrier detected",
  8: "Call failed due to detection of a busy signal",
  9: "Call failed due to lack of a dial tone",
  10: "Call was not established within time allotted by LAC",
  11: "Call was connected but no appropriate framing was detected",
};

/** General error codes (RFC 2661 §4.4.2; Wireshark's error_code_vals). */
export const ERROR_CODE_NAMES: Record<number, string> = {
  0: "No General Error",
  1: "No control connection exists yet for this LAC-LNS pair",
  2: "Length is wrong",
  3: "One of the field values was out of range or reserved field was non-zero",
  4: "Insufficient resources to handle this operation now",
  5: "The Session ID is invalid in this context",
  6: "A generic vendor-specific error occurred in the LAC",
  7: "Try another LNS",
  8: "Session or tunnel was shutdown due to receipt of an unknown AVP with the M-bit set",
};

/** The name of a Result Code in the message that carries it. */
export function resultCodeName(messageType: number | undefined, result: number): string {
  const table = messageType === MSG.CDN ? CDN_RESULT_NAMES : STOPCCN_RESULT_NAMES;
  return table[result] ?? "Unknown";
}
