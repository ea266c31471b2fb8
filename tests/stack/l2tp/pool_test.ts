import assert from "node:assert/strict";
import { AddressPool } from "../../../src/stack/l2tp/pool.ts";
import { formatIp, parseIp } from "../../../src/wire/addr.ts";

Deno.test("pool: lowest free address first, returned addresses are reused, then exhaustion", () => {
  const pool = new AddressPool(parseIp("10.10.99.100")!, parseIp("10.10.99.102")!);
  assert.equal(pool.size, 3);
  const a = pool.take()!;
  const b = pool.take()!;
  assert.deepEqual([a, b].map(formatIp), ["10.10.99.100", "10.10.99.101"]);
  pool.release(a);
  assert.equal(formatIp(pool.take()!), "10.10.99.100");
  assert.equal(formatIp(pool.take()!), "10.10.99.102");
  assert.equal(pool.take(), undefined);
  assert.equal(pool.used, 3);
  pool.release(parseIp("192.0.2.1")!);
  assert.equal(pool.used, 3, "an address outside the pool changes nothing");
  assert.equal(pool.toString(), "10.10.99.100-10.10.99.102");
});
