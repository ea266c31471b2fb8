/**
 * IKEv2 as people read it: the one-line summary in charon's words (`IKE_SA_INIT request 0 [ SA KE No
 * N(NATD_S_IP) N(NATD_D_IP) ]`) and the inspector's field tree. The ISAKMP dissector on UDP 500/4500
 * hands version-2 messages here. Encrypted payloads show as the SK payload: opening it needs keys.
 */
import type { Field } from "./field.ts";
import {
  decodeBody,
  decodeChain,
  decodeHeader,
  F_INITIATOR,
  F_RESPONSE,
  IKEV2_HEADER_LEN,
  N,
  P,
  type Payload,
  X,
} from "./ikev2.ts";
import { hexBytes, hexNum, leaf } from "./octets.ts";

const EXCHANGES: Record<number, string> = {
  [X.IKE_SA_INIT]: "IKE_SA_INIT",
  [X.IKE_AUTH]: "IKE_AUTH",
  [X.CREATE_CHILD_SA]: "CREATE_CHILD_SA",
  [X.INFORMATIONAL]: "INFORMATIONAL",
};

/** Payload names as charon abbreviates them in its logs. */
const SHORT: Record<number, string> = {
  [P.SA]: "SA",
  [P.KE]: "KE",
  [P.IDI]: "IDi",
  [P.IDR]: "IDr",
  [P.CERT]: "CERT",
  [P.CERTREQ]: "CERTREQ",
  [P.AUTH]: "AUTH",
  [P.NONCE]: "No",
  [P.NOTIFY]: "N",
  [P.DELETE]: "D",
  [P.VENDOR]: "V",
  [P.TSI]: "TSi",
  [P.TSR]: "TSr",
  [P.SK]: "SK",
  [P.CP]: "CP",
  [P.EAP]: "EAP",
};

/** Payload names as Wireshark prints them. */
const LONG: Record<number, string> = {
  [P.SA]: "Security Association",
  [P.KE]: "Key Exchange",
  [P.IDI]: "Identification - Initiator",
  [P.IDR]: "Identification - Responder",
  [P.AUTH]: "Authentication",
  [P.NONCE]: "Nonce",
  [P.NOTIFY]: "Notify",
  [P.DELETE]: "Delete",
  [P.VENDOR]: "Vendor ID",
  [P.TSI]: "Traffic Selector - Initiator",
  [P.TSR]: "Traffic Selector - Responder",
  [P.SK]: "Encrypted and Authenticated",
  [P.CP]: "Configuration",
};

const NOTIFY_SHORT: Record<number, string> = {
  [N.NAT_DETECTION_SOURCE_IP]: "NATD_S_IP",
  [N.NAT_DETECTION_DESTINATION_IP]: "NATD_D_IP",
  [N.INITIAL_CONTACT]: "INIT_CONTACT",
  [N.REKEY_SA]: "REKEY_SA",
  [N.NO_PROPOSAL_CHOSEN]: "NO_PROP",
  [N.INVALID_KE_PAYLOAD]: "INVAL_KE",
  [N.AUTHENTICATION_FAILED]: "AUTH_FAILED",
  [N.TS_UNACCEPTABLE]: "TS_UNACCEPT",
  [N.INTERNAL_ADDRESS_FAILURE]: "INT_ADDR_FAIL",
  [N.INVALID_SYNTAX]: "INVAL_SYN",
};

function payloadShort(p: Payload): string {
  if (p.type === P.NOTIFY) return `N(${NOTIFY_SHORT[p.notify] ?? p.notify})`;
  if (p.type === P.CP) return `CP(${["", "REQ", "RPLY", "SET", "ACK"][p.cfgType] ?? p.cfgType})`;
  if (p.type === P.DELETE) return `D`;
  return SHORT[p.type] ?? String(p.type);
}

/** `IKE_AUTH request 1 [ SK ]`, `IKE_SA_INIT response 0 [ SA KE No N(NATD_S_IP) N(NATD_D_IP) ]`. */
export function summarizeIkev2(bytes: Uint8Array): string {
  const head = decodeHeader(bytes);
  if (!head.ok) return `IKEv2 (malformed: ${head.error})`;
  const h = head.value.header;
  const name = EXCHANGES[h.exchange] ?? `exchange ${h.exchange}`;
  const kind = h.flags & F_RESPONSE ? "response" : "request";
  const chain = decodeChain(h.nextPayload, head.value.body);
  if (!chain.ok) return `IKEv2 ${name} ${kind} ${h.messageId} (malformed: ${chain.error})`;
  const list = chain.value.map((item) => {
    const p = decodeBody(item.type, item.body);
    return p.ok ? payloadShort(p.value) : SHORT[item.type] ?? String(item.type);
  });
  return `IKEv2 ${name} ${kind} ${h.messageId} [ ${list.join(" ")} ]`;
}

/** The inspector's tree for an IKEv2 message at `bytes[offset, end)`. */
export function describeIkev2(bytes: Uint8Array, offset: number, end: number): Field[] {
  const head = decodeHeader(bytes.subarray(offset, end));
  if (!head.ok) return [leaf("IKEv2 (malformed)", head.error, offset, end - offset)];
  const h = head.value.header;
  const flags = [
    h.flags & F_INITIATOR ? "Initiator" : "Responder",
    h.flags & F_RESPONSE ? "Response" : "Request",
  ];
  const children: Field[] = [
    leaf("Initiator SPI", hexBytes(h.spiI), offset, 8),
    leaf("Responder SPI", hexBytes(h.spiR), offset + 8, 8),
    leaf("Next payload", `${LONG[h.nextPayload] ?? "Unknown"} (${h.nextPayload})`, offset + 16, 1),
    leaf("Version", `${h.version >> 4}.${h.version & 0xf}`, offset + 17, 1),
    leaf("Exchange type", `${EXCHANGES[h.exchange] ?? "Unknown"} (${h.exchange})`, offset + 18, 1),
    leaf("Flags", `${hexNum(h.flags, 2)} (${flags.join(", ")})`, offset + 19, 1),
    leaf("Message ID", hexNum(h.messageId, 8), offset + 20, 4),
    leaf("Length", String(h.length), offset + 24, 4),
  ];
  const chain = decodeChain(h.nextPayload, head.value.body);
  if (chain.ok) {
    for (const item of chain.value) {
      const start = offset + IKEV2_HEADER_LEN + item.at;
      const length = 4 + item.body.length;
      const decoded = decodeBody(item.type, item.body);
      const name = LONG[item.type] ?? `Payload ${item.type}`;
      const value = item.type === P.SK
        ? `${item.body.length} bytes, needs the IKE SA's SK_e/SK_a`
        : decoded.ok
        ? payloadShort(decoded.value)
        : `malformed: ${decoded.error}`;
      children.push({ name, value, start, end: start + length, children: [] });
    }
  }
  return [{
    name: "Internet Key Exchange Version 2",
    value: `${EXCHANGES[h.exchange] ?? h.exchange} ${
      h.flags & F_RESPONSE ? "response" : "request"
    } ${h.messageId}`,
    start: offset,
    end: offset + h.length,
    children,
  }];
}
