import assert from "node:assert/strict";
import { MS, parseDuration, SECOND } from "../../src/engine/time.ts";
import {
  closest,
  formatIpv4,
  isPrivate,
  parseBandwidth,
  parseFraction,
  parseInterfaceAddress,
  parseIpv4,
  parseNetwork,
  subnetsOverlap,
} from "../../src/topology/values.ts";

const value = <T>(r: { ok: true; value: T } | { ok: false; error: string }): T => {
  if (!r.ok) throw new Error(`expected a value, got error: ${r.error}`);
  return r.value;
};
const error = (r: { ok: boolean; error?: string }): string => {
  assert.equal(r.ok, false);
  return r.error!;
};

Deno.test("parseIpv4 reads dotted quads into 32-bit integers", () => {
  assert.equal(value(parseIpv4("10.0.0.1")), 0x0a000001);
  assert.equal(value(parseIpv4("255.255.255.255")), 0xffffffff);
  assert.equal(value(parseIpv4("0.0.0.0")), 0);
  assert.equal(formatIpv4(0xc0a80102), "192.168.1.2");
  assert.match(error(parseIpv4("10.0.0.300")), /300 is more than 255/);
  assert.match(error(parseIpv4("10.0.0")), /four numbers/);
  assert.match(error(parseIpv4("10.0.0.01")), /leading zero/);
  assert.match(error(parseIpv4("10.0.0.x")), /"x" is not a number/);
  assert.match(error(parseIpv4("10.0.0.-1")), /not a number/);
});

Deno.test("interface addresses need a usable host address and a prefix length", () => {
  assert.deepEqual(value(parseInterfaceAddress("10.0.0.2/24")), { ip: 0x0a000002, prefixLength: 24 });
  assert.match(error(parseInterfaceAddress("10.0.0.0/24")), /network address of 10\.0\.0\.0\/24/);
  assert.match(error(parseInterfaceAddress("10.0.0.255/24")), /broadcast address of 10\.0\.0\.0\/24/);
  assert.match(error(parseInterfaceAddress("10.0.0.2/33")), /prefix length \/33/);
  assert.match(error(parseInterfaceAddress("10.0.0.2")), /no prefix length/);
  assert.match(error(parseInterfaceAddress("10.0.0.2/0")), /\/0/);
  // RFC 3021: both addresses of a /31 are usable; a /32 is a single host.
  assert.equal(value(parseInterfaceAddress("10.0.0.0/31")).prefixLength, 31);
  assert.equal(value(parseInterfaceAddress("10.0.0.1/31")).prefixLength, 31);
  assert.equal(value(parseInterfaceAddress("10.9.9.9/32")).prefixLength, 32);
});

Deno.test("route destinations: default, networks without host bits, bare host addresses", () => {
  assert.deepEqual(value(parseNetwork("default")), { ip: 0, prefixLength: 0 });
  assert.deepEqual(value(parseNetwork("10.2.0.0/16")), { ip: 0x0a020000, prefixLength: 16 });
  assert.deepEqual(value(parseNetwork("10.2.3.4")), { ip: 0x0a020304, prefixLength: 32 });
  assert.match(error(parseNetwork("10.2.0.1/16")), /did you mean 10\.2\.0\.0\/16/);
});

Deno.test("subnet overlap and private ranges", () => {
  const c = (s: string) => value(parseNetwork(s));
  assert.equal(subnetsOverlap(c("10.0.0.0/8"), c("10.1.2.0/24")), true);
  assert.equal(subnetsOverlap(c("10.1.2.0/24"), c("10.1.3.0/24")), false);
  assert.equal(subnetsOverlap(c("0.0.0.0/0"), c("192.0.2.0/24")), true);
  for (const ip of ["10.1.2.3", "172.16.0.1", "172.31.255.254", "192.168.1.1", "100.64.0.1", "169.254.1.1"]) {
    assert.equal(isPrivate(value(parseIpv4(ip))), true, ip);
  }
  for (const ip of ["172.32.0.1", "192.169.0.1", "8.8.8.8", "100.128.0.1", "203.0.113.5"]) {
    assert.equal(isPrivate(value(parseIpv4(ip))), false, ip);
  }
});

Deno.test("durations use integer microseconds", () => {
  assert.equal(parseDuration("250ms"), 250 * MS);
  assert.equal(parseDuration("2s"), 2 * SECOND);
  assert.equal(parseDuration("1m"), 60 * SECOND);
  assert.equal(parseDuration("100us"), 100);
  assert.equal(parseDuration("1.5s"), 1_500_000);
  assert.equal(parseDuration("2 seconds"), null);
  assert.equal(parseDuration("-1s"), null);
});

Deno.test("bandwidths in bits per second", () => {
  assert.equal(value(parseBandwidth("10Mbps")), 10_000_000);
  assert.equal(value(parseBandwidth("1.5Mbps")), 1_500_000);
  assert.equal(value(parseBandwidth("64kbps")), 64_000);
  assert.equal(value(parseBandwidth("1Gbps")), 1_000_000_000);
  assert.equal(value(parseBandwidth("9600bps")), 9600);
  assert.equal(value(parseBandwidth("9600")), 9600);
  assert.equal(value(parseBandwidth(56000)), 56000);
  assert.equal(value(parseBandwidth(0)), 0);
  assert.match(error(parseBandwidth("10 Mbit")), /bad bandwidth/);
  assert.match(error(parseBandwidth(-5)), /bad bandwidth/);
});

Deno.test("percentages and fractions", () => {
  assert.equal(value(parseFraction("1%")), 0.01);
  assert.equal(value(parseFraction("0.5%")), 0.005);
  assert.equal(value(parseFraction("100%")), 1);
  assert.equal(value(parseFraction(0.25)), 0.25);
  assert.equal(value(parseFraction("0.25")), 0.25);
  assert.match(error(parseFraction("101%")), /more than 100%/);
  assert.match(error(parseFraction(5)), /write 5% if you mean 5 percent/);
  assert.match(error(parseFraction("lots")), /bad percentage/);
});

Deno.test("suggestions pick a close name and ignore distant ones", () => {
  assert.equal(closest("gatway", ["gateway", "routes", "kind"]), "gateway");
  assert.equal(closest("laptp", ["laptop", "r1"]), "laptop");
  assert.equal(closest("lna", ["lan", "wan0"]), "lan"); // a swap counts as one edit
  assert.equal(closest("zzzzzz", ["gateway", "routes"]), undefined);
  assert.equal(closest("zz", ["a", "r1"]), undefined);
});
