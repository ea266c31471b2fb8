import {
  type Avp,
  AVP_HEADER_LEN,
  AVP_MAX_LEN,
  avpName,
  decodeAvpValue,
  FLAG_H,
  FLAG_M,
} from "./l2tp_avp.ts";
import { ERROR_CODE_NAMES, MESSAGE_TYPE_NAMES, resultCodeName } from "./l2tp_names.ts";
import type { Field } from "./field.ts";
import { hexBytes, hexNum, leaf, u16 } from "./octets.ts";

/**
 * AVPs as people read them: the short value text of summaries and the inspector's field tree,
 * which keeps going past a bad value and stops only where the list itself breaks.
 */

/** Short text of an AVP value, for summaries and the inspector. */
export function avpValueText(avp: Avp, messageType?: number): string {
  switch (avp.type) {
    case "messageType":
      return `${MESSAGE_TYPE_NAMES[avp.messageType] ?? "Unknown"} (${avp.messageType})`;
    case "resultCode": {
      let text = `${avp.result} (${resultCodeName(messageType, avp.result)})`;
      if (avp.error !== undefined && avp.error !== 0) {
        text += `, error ${avp.error} (${ERROR_CODE_NAMES[avp.error] ?? "Unknown"})`;
      }
      if (avp.message) text += `, "${avp.message}"`;
      return text;
    }
    case "protocolVersion":
      return `${avp.version}.${avp.revision}`;
    case "framingCapabilities":
    case "framingType":
      return [avp.sync && "sync", avp.async && "async"].filter(Boolean).join("+") || "none";
    case "bearerCapabilities":
    case "bearerType":
      return [avp.digital && "digital", avp.analog && "analog"].filter(Boolean).join("+") || "none";
    case "tieBreaker":
      return "0x" + avp.value.toString(16).padStart(16, "0");
    case "firmwareRevision":
      return hexNum(avp.revision, 4);
    case "hostName":
    case "vendorName":
    case "proxyAuthenName":
      return avp.name;
    case "assignedTunnelId":
    case "assignedSessionId":
    case "proxyAuthenId":
      return String(avp.id);
    case "physicalChannelId":
      return String(avp.id);
    case "receiveWindowSize":
      return String(avp.size);
    case "challenge":
    case "proxyAuthenChallenge":
      return hexBytes(avp.challenge);
    case "challengeResponse":
    case "proxyAuthenResponse":
      return hexBytes(avp.response);
    case "callSerialNumber":
      return String(avp.serial);
    case "minimumBps":
    case "maximumBps":
    case "txConnectSpeed":
    case "rxConnectSpeed":
      return `${avp.bps} bps`;
    case "calledNumber":
    case "callingNumber":
      return avp.number;
    case "subAddress":
      return avp.address;
    case "initialReceivedLcpConfReq":
    case "lastSentLcpConfReq":
    case "lastReceivedLcpConfReq":
      return hexBytes(avp.options);
    case "proxyAuthenType": {
      const names: Record<number, string> = {
        1: "Textual",
        2: "PPP CHAP",
        3: "PPP PAP",
        4: "No Authentication",
        5: "MS-CHAPv1",
      };
      return `${names[avp.authType] ?? "Unknown"} (${avp.authType})`;
    }
    case "accm":
      return `send ${hexNum(avp.send, 8)} receive ${hexNum(avp.receive, 8)}`;
    case "randomVector":
      return hexBytes(avp.vector);
    case "sequencingRequired":
      return "yes";
    case "hidden":
      return `hidden, ${avp.value.length} bytes`;
    case "raw":
      return hexBytes(avp.value);
  }
}

/**
 * The inspector fields of the AVP list in `bytes[start, end)`; stops with a "Malformed AVP" field
 * where the list breaks.
 */
export function describeAvps(bytes: Uint8Array, start: number, end: number): Field[] {
  const fields: Field[] = [];
  let messageType: number | undefined;
  let at = start;
  while (at < end) {
    if (end - at < AVP_HEADER_LEN) {
      fields.push(leaf("Malformed AVP", `${end - at} trailing bytes`, at, end - at));
      break;
    }
    const flags = u16(bytes, at);
    const length = flags & AVP_MAX_LEN;
    const vendorId = u16(bytes, at + 2);
    const attrType = u16(bytes, at + 4);
    if (length < AVP_HEADER_LEN || at + length > end) {
      fields.push(leaf("Malformed AVP", `${avpName(attrType)}, length ${length}`, at, end - at));
      break;
    }
    const value = bytes.subarray(at + AVP_HEADER_LEN, at + length);
    const hidden = (flags & FLAG_H) !== 0;
    const name = vendorId === 0 ? avpName(attrType) : `Vendor ${vendorId} attribute ${attrType}`;
    let text: string;
    if (vendorId !== 0) text = hexBytes(value);
    else if (hidden) text = `hidden, ${value.length} bytes`;
    else {
      const avp = decodeAvpValue(attrType, value, (flags & FLAG_M) !== 0);
      text = avp.ok ? avpValueText(avp.value, messageType) : avp.error;
      if (avp.ok && avp.value.type === "messageType") messageType = avp.value.messageType;
    }
    fields.push({
      name: `AVP: ${name}`,
      value: text,
      start: at,
      end: at + length,
      children: [
        leaf("Mandatory", (flags & FLAG_M) ? "1" : "0", at, 2),
        leaf("Hidden", hidden ? "1" : "0", at, 2),
        leaf("Length", String(length), at, 2),
        leaf("Vendor ID", vendorId === 0 ? "IETF (0)" : String(vendorId), at + 2, 2),
        leaf("Attribute Type", `${name} (${attrType})`, at + 4, 2),
        ...(length > AVP_HEADER_LEN
          ? [leaf("Value", text, at + AVP_HEADER_LEN, length - AVP_HEADER_LEN)]
          : []),
      ],
    });
    at += length;
  }
  return fields;
}
