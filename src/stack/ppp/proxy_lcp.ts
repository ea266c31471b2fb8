/**
 * Judging proxy LCP (RFC 2661 §4.4.5): an LNS may take over the LCP a LAC negotiated with the caller,
 * but only if both Configure-Requests the LAC forwards decode and suit its own policy. Otherwise LCP
 * is renegotiated from the start, and the caller sees a second negotiation.
 */
import { decodeLcpOptions, LCP, type LcpOption } from "../../wire/lcp.ts";
import type { LcpNegotiation } from "./lcp.ts";
import type { ProxyStart } from "./session_config.ts";

/** Either the two option lists LCP opens with, or why the proxy cannot be taken. */
export type ProxyLcpVerdict =
  | { ok: true; ours: LcpOption[]; theirs: LcpOption[] }
  | { ok: false; problem: string };

/**
 * Adopts the LAC's last sent request as ours and judges its last received one as if the caller had
 * sent it to us. `negotiation` keeps what it adopted, as after a real exchange.
 */
export function judgeProxyLcp(negotiation: LcpNegotiation, proxy: ProxyStart): ProxyLcpVerdict {
  const ours = decodeLcpOptions(proxy.lastSentConfReq);
  if (!ours.ok) return { ok: false, problem: `Last Sent LCP CONFREQ: ${ours.error}` };
  const theirs = decodeLcpOptions(proxy.lastReceivedConfReq);
  if (!theirs.ok) return { ok: false, problem: `Last Received LCP CONFREQ: ${theirs.error}` };
  const adoption = negotiation.adoptProxy(ours.value);
  if (adoption) return { ok: false, problem: adoption };
  negotiation.acked(ours.value);
  const judged = negotiation.judge(theirs.value);
  const refused = judged.options.find((v) => v.verdict !== "ack");
  if (refused) {
    return {
      ok: false,
      problem: `the peer's option ${LCP.summarizeOption(refused.option)} is not acceptable`,
    };
  }
  if (judged.fatal) return { ok: false, problem: judged.fatal };
  return { ok: true, ours: ours.value, theirs: theirs.value };
}
