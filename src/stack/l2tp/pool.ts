/**
 * An LNS's address pool (xl2tpd's `ip range`): addresses handed out lowest first and returned when
 * the call ends.
 */
import { formatIp, type Ip4 } from "../../wire/addr.ts";

/** A contiguous range of addresses for PPP peers. */
export class AddressPool {
  #inUse = new Set<Ip4>();

  constructor(readonly first: Ip4, readonly last: Ip4) {}

  get size(): number {
    return this.last - this.first + 1;
  }

  get used(): number {
    return this.#inUse.size;
  }

  /** The lowest free address, now reserved, or undefined when every address is taken. */
  take(): Ip4 | undefined {
    for (let ip = this.first; ip <= this.last; ip++) {
      if (!this.#inUse.has(ip)) {
        this.#inUse.add(ip);
        return ip;
      }
    }
    return undefined;
  }

  /** Returns an address; unknown or already free addresses are ignored. */
  release(ip: Ip4): void {
    this.#inUse.delete(ip);
  }

  has(ip: Ip4): boolean {
    return ip >= this.first && ip <= this.last;
  }

  toString(): string {
    return `${formatIp(this.first)}-${formatIp(this.last)}`;
  }
}
