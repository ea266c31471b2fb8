/**
 * INFORMATIONAL exchanges (RFC 7296 §1.4): DELETE of CHILD_SAs (answered with the DELETE of the
 * other half of each pair, §1.4.1) or of the IKE SA (answered empty), and the liveness check, an
 * empty request that any live peer answers (§2.4; "DPD" in strongSwan's words).
 */
import { formatIp } from "../../wire/addr.ts";
import { type Ikev2Header, P, type Payload, PROTO, X } from "../../wire/ikev2.ts";
import { hexNum } from "../../wire/octets.ts";
import type { ExchangeHost } from "./exchange_host.ts";
import { be32, spiOf } from "./handshake.ts";
import type { Ikev2Sa } from "./ike_sa.ts";
import type { Child } from "./tunnel.ts";

/** Deletes one CHILD_SA pair: a DELETE naming our inbound SPI; the peer answers with its own. */
export function deleteChild(host: ExchangeHost, sa: Ikev2Sa, child: Child): void {
  host.log(`sending DELETE for ESP CHILD_SA with SPI ${hexNum(child.spiIn, 8)}`);
  sa.request(
    X.INFORMATIONAL,
    () => [{ type: P.DELETE, protocol: PROTO.ESP, spiSize: 4, spis: [be32(child.spiIn)] }],
    () => {
      host.removeChild(child, "deleted (DELETE exchanged)");
    },
  );
}

/** Deletes the IKE SA (and with it every CHILD_SA it still owns). */
export function deleteIke(host: ExchangeHost, sa: Ikev2Sa, reason: string, quiet = false): void {
  if (!quiet) host.log(`deleting IKE_SA with ${formatIp(sa.remote.ip)}: ${reason}`);
  if (sa.state === "ESTABLISHED") sa.state = "DELETING";
  host.changed(sa);
  sa.request(X.INFORMATIONAL, () => [{ type: P.DELETE, protocol: PROTO.IKE, spiSize: 0, spis: [] }], () => {
    sa.close(reason);
  });
}

/** An empty INFORMATIONAL: is the peer still there? No answer after the retransmits closes the SA. */
export function livenessCheck(host: ExchangeHost, sa: Ikev2Sa): void {
  host.log(`sending DPD request (empty INFORMATIONAL) to ${formatIp(sa.remote.ip)}`);
  sa.request(X.INFORMATIONAL, () => [], () => {});
}

/** Answers an INFORMATIONAL request. */
export function respondInformational(
  host: ExchangeHost,
  sa: Ikev2Sa,
  payloads: Payload[],
  header: Ikev2Header,
): void {
  const mid = header.messageId;
  const deletes = payloads.filter((p): p is Payload & { type: typeof P.DELETE } => p.type === P.DELETE);
  if (deletes.some((d) => d.protocol === PROTO.IKE)) {
    host.log(`received DELETE for IKE_SA from ${formatIp(sa.remote.ip)}`);
    sa.respond(X.INFORMATIONAL, mid, []);
    return sa.close("deleted by the peer");
  }
  const ours: Uint8Array[] = [];
  for (const d of deletes.filter((d) => d.protocol === PROTO.ESP && d.spiSize === 4)) {
    for (const raw of d.spis) {
      const spi = spiOf(raw);
      const child = sa.children.find((c) => c.spiOut === spi);
      if (!child) {
        host.log(`received DELETE for unknown ESP SPI ${hexNum(spi, 8)}`);
        continue;
      }
      host.log(
        `received DELETE for ESP CHILD_SA with SPI ${hexNum(spi, 8)}; closing ${hexNum(child.spiIn, 8)}_i`,
      );
      ours.push(be32(child.spiIn));
      host.removeChild(child, "deleted by the peer (DELETE)");
    }
  }
  if (deletes.length === 0 && payloads.length === 0) {
    host.log(`answering DPD request from ${formatIp(sa.remote.ip)}`);
  }
  sa.respond(
    X.INFORMATIONAL,
    mid,
    ours.length ? [{ type: P.DELETE, protocol: PROTO.ESP, spiSize: 4, spis: ours }] : [],
  );
}
