/**
 * The AVPs of a call that carry more than a number: a Result Code put into words, and the proxy LCP
 * and authentication AVPs a LAC forwards in its ICCN (RFC 2661 §4.4.5) so the LNS can skip renegotiation.
 */
import type { Avp } from "../../wire/l2tp_avp.ts";
import { CDN_RESULT_NAMES, ERROR_CODE_NAMES, MSG, STOPCCN_RESULT_NAMES } from "../../wire/l2tp_names.ts";
import type { ProxyInfo } from "./session.ts";

/** "2 (General error…), error 4 (Insufficient resources…), \"No available IP address\"". */
export function describeResult(
  messageType: number,
  result: { result: number; error?: number; message?: string },
): string {
  const names = messageType === MSG.CDN ? CDN_RESULT_NAMES : STOPCCN_RESULT_NAMES;
  let text = `result ${result.result} (${names[result.result] ?? "unknown"})`;
  if (result.error) text += `, error ${result.error} (${ERROR_CODE_NAMES[result.error] ?? "unknown"})`;
  if (result.message) text += `, "${result.message}"`;
  return text;
}

/** The proxy LCP and authentication AVPs of an ICCN (§4.4.5), in the RFC's order. */
export function proxyAvps(proxy: ProxyInfo | undefined): Avp[] {
  if (!proxy) return [];
  const avps: Avp[] = [];
  if (proxy.initialReceivedConfReq) {
    avps.push({ type: "initialReceivedLcpConfReq", options: proxy.initialReceivedConfReq });
  }
  if (proxy.lastSentConfReq) avps.push({ type: "lastSentLcpConfReq", options: proxy.lastSentConfReq });
  if (proxy.lastReceivedConfReq) {
    avps.push({ type: "lastReceivedLcpConfReq", options: proxy.lastReceivedConfReq });
  }
  if (proxy.authType !== undefined) avps.push({ type: "proxyAuthenType", authType: proxy.authType });
  if (proxy.authName !== undefined) avps.push({ type: "proxyAuthenName", name: proxy.authName });
  if (proxy.authChallenge) avps.push({ type: "proxyAuthenChallenge", challenge: proxy.authChallenge });
  if (proxy.authId !== undefined) avps.push({ type: "proxyAuthenId", id: proxy.authId });
  if (proxy.authResponse) avps.push({ type: "proxyAuthenResponse", response: proxy.authResponse });
  return avps;
}

/** The proxy information an ICCN carried, or undefined when it had none. */
export function readProxy(avps: Avp[]): ProxyInfo | undefined {
  const proxy: ProxyInfo = {};
  for (const avp of avps) {
    switch (avp.type) {
      case "initialReceivedLcpConfReq":
        proxy.initialReceivedConfReq = avp.options;
        break;
      case "lastSentLcpConfReq":
        proxy.lastSentConfReq = avp.options;
        break;
      case "lastReceivedLcpConfReq":
        proxy.lastReceivedConfReq = avp.options;
        break;
      case "proxyAuthenType":
        proxy.authType = avp.authType;
        break;
      case "proxyAuthenName":
        proxy.authName = avp.name;
        break;
      case "proxyAuthenChallenge":
        proxy.authChallenge = avp.challenge;
        break;
      case "proxyAuthenId":
        proxy.authId = avp.id;
        break;
      case "proxyAuthenResponse":
        proxy.authResponse = avp.response;
        break;
    }
  }
  return Object.keys(proxy).length > 0 ? proxy : undefined;
}
