/**
 * `tcp-mss-clamp: N | pmtu`, the key that routers, NAT routers, ISPs, the LNS and firewalls share:
 * a fixed MSS for the SYNs they forward, or `pmtu` for the narrower of the two interfaces minus 40.
 */
import type { Schema } from "../topology/schema.ts";
import type { MssClampSetting } from "../stack/tcp/mss_clamp.ts";
import { optional } from "./kind.ts";

/** A whole number of bytes (an MSS between 88 and 65495, like iptables' TCPMSS) or the word `pmtu`. */
function mssClamp(): Schema<MssClampSetting> {
  return Object.assign(
    ((v, ctx) => {
      const value = (v.node as { value?: unknown } | null)?.value;
      if (value === "pmtu") return "pmtu";
      if (typeof value === "number" && Number.isInteger(value) && value >= 88 && value <= 65495) return value;
      ctx.error(
        v.pos,
        `${v.label}: expected an MSS from 88 to 65495 or the word pmtu, got ${
          value === undefined || value === null ? "nothing" : JSON.stringify(value)
        }`,
      );
      return undefined;
    }) as Schema<MssClampSetting>,
    { options: ["pmtu"] },
  );
}

/** The MSS clamping key, for the kinds that forward. */
export const mssClampKey = { "tcp-mss-clamp": optional(mssClamp()) };
