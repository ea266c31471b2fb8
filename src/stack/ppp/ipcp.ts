import { type Ip4, parseIp } from "../../wire/addr.ts";
import type { IpcpOption } from "../../wire/lcp.ts";
import type { Judgement, OptionStrategy, OptionVerdict } from "./automaton.ts";

/** What our side of IPCP knows: a client learns its address and DNS, a server hands them out. */
export interface IpcpPolicy {
  role: "client" | "server";
  /** Server: its own address on the link. */
  localAddress?: string;
  /** Server: DNS servers offered (primary, secondary) per RFC 1877. */
  dns?: string[];
  /** Server: an address for the peer from the pool, or undefined when the pool is exhausted. */
  allocate?: () => string | undefined;
  log(message: string): void;
  /** Records the full explanation of a failure (the Terminate-Request carries only pppd's words). */
  failure?(reason: string): void;
}

type AddressKind = "ip-address" | "primary-dns" | "secondary-dns";

function ip(text: string | undefined): Ip4 {
  return text === undefined ? 0 : parseIp(text) ?? 0;
}

/**
 * IPCP's options (RFC 1332, RFC 1877). The client asks 0.0.0.0 for its address and both DNS
 * servers and takes what the server's Naks say; the server Naks with the pool address and its DNS
 * servers, then Acks them, and asks for its own address in its request. IP-Compression-Protocol
 * (Van Jacobson) is rejected by both: we do not compress.
 */
export class IpcpNegotiation implements OptionStrategy<IpcpOption> {
  readonly policy: IpcpPolicy;
  /** Our address as agreed (0 until the peer acknowledged it). */
  localAddress: Ip4 = 0;
  /** The peer's address as agreed. */
  peerAddress: Ip4 = 0;
  /** Client: DNS servers the server gave us; server: those it handed out. */
  dns: Ip4[] = [];
  /** Server: the address drawn from the pool for this peer (drawn once, kept for renegotiations). */
  assigned?: Ip4;
  /** Server: the pool had no address for this peer. */
  exhausted = false;
  #want = new Map<AddressKind, Ip4>();
  #learned = new Map<AddressKind, Ip4>();

  constructor(policy: IpcpPolicy) {
    this.policy = policy;
    this.reset();
  }

  reset(): void {
    this.#want.clear();
    if (this.policy.role === "client") {
      // A renegotiation asks again for what this server offered before (pppd would ask 0.0.0.0
      // again and need one more Nak round trip).
      for (const kind of ["ip-address", "primary-dns", "secondary-dns"] as const) {
        this.#want.set(kind, this.#learned.get(kind) ?? 0);
      }
    } else if (this.policy.localAddress !== undefined) {
      this.#want.set("ip-address", ip(this.policy.localAddress));
    }
  }

  request(): IpcpOption[] {
    return [...this.#want].map(([type, address]) => ({ type, address }));
  }

  judge(options: IpcpOption[]): Judgement<IpcpOption> {
    const verdicts: OptionVerdict<IpcpOption>[] = options.map((option) =>
      this.policy.role === "server" ? this.#judgeAsServer(option) : this.#judgeAsClient(option)
    );
    const wanted: IpcpOption[] = [];
    if (this.policy.role === "server" && !options.some((o) => o.type === "ip-address")) {
      // The peer did not ask for an address: tell it which one it has (pppd does the same).
      const address = this.#assign();
      if (address !== undefined) wanted.push({ type: "ip-address", address });
    }
    return { options: verdicts, wanted };
  }

  #judgeAsClient(option: IpcpOption): OptionVerdict<IpcpOption> {
    // The server tells us its own address; 0.0.0.0 would ask us to assign one, which we cannot.
    if (option.type === "ip-address" && option.address !== 0) return { option, verdict: "ack" };
    return { option, verdict: "rej" };
  }

  #judgeAsServer(option: IpcpOption): OptionVerdict<IpcpOption> {
    switch (option.type) {
      case "ip-address": {
        const address = this.#assign();
        // Nothing to offer: pppd Rejects rather than Ack 0.0.0.0, and the client then gives up.
        if (address === undefined) return { option, verdict: "rej" };
        return option.address === address
          ? { option, verdict: "ack" }
          : { option, verdict: "nak", suggest: { type: "ip-address", address } };
      }
      case "primary-dns":
      case "secondary-dns": {
        const offered = this.policy.dns?.[option.type === "primary-dns" ? 0 : 1];
        if (offered === undefined || parseIp(offered) === null) return { option, verdict: "rej" };
        const address = ip(offered);
        return option.address === address
          ? { option, verdict: "ack" }
          : { option, verdict: "nak", suggest: { type: option.type, address } };
      }
      default:
        return { option, verdict: "rej" };
    }
  }

  #assign(): Ip4 | undefined {
    if (this.assigned !== undefined) return this.assigned;
    if (this.exhausted) return undefined;
    const text = this.policy.allocate?.();
    const address = text === undefined ? null : parseIp(text);
    if (address === null) {
      this.exhausted = true;
      return undefined;
    }
    this.assigned = address;
    return address;
  }

  peerAcked(options: IpcpOption[]): void {
    for (const option of options) {
      if (option.type === "ip-address") this.peerAddress = option.address;
    }
    if (this.policy.role === "server") {
      this.dns = options.flatMap((
        o,
      ) => (o.type === "primary-dns" || o.type === "secondary-dns" ? [o.address] : []));
    }
  }

  acked(options: IpcpOption[]): void {
    for (const option of options) {
      if (option.type === "ip-address") this.localAddress = option.address;
    }
    if (this.policy.role === "client") {
      const dns: Ip4[] = [];
      for (const kind of ["primary-dns", "secondary-dns"] as const) {
        const found = options.find((o) => o.type === kind);
        if (found && found.type === kind && found.address !== 0) dns.push(found.address);
      }
      this.dns = dns;
    }
  }

  nak(options: IpcpOption[]): string | undefined {
    for (const option of options) {
      if (option.type === "ip-address" || option.type === "primary-dns" || option.type === "secondary-dns") {
        // A client takes what the server offers; a server keeps its own address whatever it hears.
        if (this.policy.role === "client") {
          this.#want.set(option.type, option.address);
          this.#learned.set(option.type, option.address);
        }
      }
    }
    return undefined;
  }

  rejected(options: IpcpOption[]): string | undefined {
    for (const option of options) {
      if (option.type !== "ip-address" && option.type !== "primary-dns" && option.type !== "secondary-dns") {
        continue;
      }
      this.#want.delete(option.type);
      if (option.type === "ip-address" && this.policy.role === "client") {
        this.policy.log("Could not determine local IP address");
        this.policy.failure?.(
          "Could not determine local IP address: the peer rejected IP-Address (its address pool may be exhausted)",
        );
        return "Could not determine local IP address";
      }
    }
    return undefined;
  }
}

/**
 * Server: the address to give the peer, from the LNS pool; undefined, with the reason logged and
 * kept as the session's failure, when there is no pool or it is exhausted.
 */
export function allocatePeerAddress(
  allocate: ((user: string) => string | undefined) | undefined,
  user: string,
  log: (message: string) => void,
  fail: (reason: string) => void,
): string | undefined {
  if (!allocate) {
    log(`no address to give ${user || "the peer"}: no address pool is configured`);
    fail(`no address to assign to ${user || "the peer"}: no address pool is configured`);
    return undefined;
  }
  const address = allocate(user);
  if (address === undefined) {
    log(`no IP address available for ${user || "the peer"}: address pool exhausted`);
    fail(`address pool exhausted: no IP address for ${user || "the peer"}`);
  }
  return address;
}
