/**
 * Traffic selectors (RFC 7296 §2.9): the address ranges a CHILD_SA carries, from prefixes in the
 * settings, and the responder's narrowing of what the initiator proposed to what it allows.
 */
import { networkOf, prefixMask } from "../../wire/addr.ts";
import type { TrafficSelector } from "../../wire/ikev2.ts";
import type { Prefix } from "./config.ts";

/** Any protocol, every port, the prefix's addresses. */
export function prefixSelector(p: Prefix): TrafficSelector {
  const start = networkOf(p.network, p.prefixLength) >>> 0;
  const end = (start | (~prefixMask(p.prefixLength) >>> 0)) >>> 0;
  return { protocol: 0, startPort: 0, endPort: 65535, start, end };
}

/** One address. */
export function hostSelector(ip: number): TrafficSelector {
  return { protocol: 0, startPort: 0, endPort: 65535, start: ip >>> 0, end: ip >>> 0 };
}

/** The part of `a` that `b` allows, or null. */
function intersect(a: TrafficSelector, b: TrafficSelector): TrafficSelector | null {
  const start = Math.max(a.start >>> 0, b.start >>> 0);
  const end = Math.min(a.end >>> 0, b.end >>> 0);
  const startPort = Math.max(a.startPort, b.startPort);
  const endPort = Math.min(a.endPort, b.endPort);
  if (start > end || startPort > endPort) return null;
  if (a.protocol && b.protocol && a.protocol !== b.protocol) return null;
  return { protocol: a.protocol || b.protocol, startPort, endPort, start, end };
}

/** Narrowing (§2.9): every overlap of a proposed selector with an allowed one. */
export function narrow(proposed: TrafficSelector[], allowed: TrafficSelector[]): TrafficSelector[] {
  const out: TrafficSelector[] = [];
  for (const p of proposed) {
    for (const a of allowed) {
      const x = intersect(p, a);
      if (x) out.push(x);
    }
  }
  return out;
}
