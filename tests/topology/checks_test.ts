/**
 * checkAddresses compares each interface only with the few it could conflict with. These tests hold it
 * to the all-pairs rule it replaced, on random sites that reuse, overlap and duplicate addresses.
 */
import assert from "node:assert/strict";
import { LineCounter } from "yaml";
import { Prng } from "../../src/engine/prng.ts";
import { checkAddresses } from "../../src/topology/checks.ts";
import type { InterfaceSpec, LinkSpec, NodeSpec, TopologyModel } from "../../src/topology/model.ts";
import { Ctx } from "../../src/topology/schema.ts";
import { formatSubnet, isPrivate, parseIpv4, subnetsOverlap } from "../../src/topology/values.ts";
import { link, model, node } from "../helpers/model.ts";

/** Every pair, earlier interface first, stopping at the first conflict of each interface: the rule as first written. */
function allPairs(m: TopologyModel, linkOf: Map<InterfaceSpec, LinkSpec>): string[] {
  const errors: string[] = [];
  const all = m.nodes.flatMap((n) =>
    n.interfaces.map((spec) => {
      const ip = parseIpv4(spec.ip);
      return { node: n, spec, cidr: { ip: ip.ok ? ip.value : 0, prefixLength: spec.prefixLength } };
    })
  );
  const reported = new Set<string>();
  for (let j = 0; j < all.length; j++) {
    const b = all[j];
    for (let i = 0; i < j; i++) {
      const a = all[i];
      const linkA = linkOf.get(a.spec);
      const linkB = linkOf.get(b.spec);
      const sameNode = a.node === b.node;
      const sameLink = linkA !== undefined && linkA === linkB;
      const isPublic = !isPrivate(a.cidr.ip) || !isPrivate(b.cidr.ip);
      const where = `${a.node.name}:${a.spec.name} (line ${a.spec.pos.line})`;
      if (a.cidr.ip === b.cidr.ip) {
        if (sameNode || sameLink || isPublic) {
          const why = sameNode || sameLink ? "" : " (public addresses must be unique)";
          errors.push(`duplicate address ${b.spec.ip}: also on ${where}${why}`);
          break;
        }
        continue;
      }
      if (!subnetsOverlap(a.cidr, b.cidr)) continue;
      if (sameNode) {
        errors.push(
          `${b.node.name}:${b.spec.name} subnet ${formatSubnet(b.cidr)} overlaps ${
            formatSubnet(a.cidr)
          } on ` +
            `${a.node.name}:${a.spec.name}; a node cannot tell which interface to use`,
        );
        break;
      }
      const pair = [linkA?.name, linkB?.name].sort().join("\u0000");
      if (isPublic && linkA && linkB && linkA !== linkB && !reported.has(pair)) {
        reported.add(pair);
        errors.push(
          `subnet ${formatSubnet(b.cidr)} of link "${linkB.name}" overlaps ${formatSubnet(a.cidr)} of link ` +
            `"${linkA.name}" (public subnets must not overlap)`,
        );
        break;
      }
    }
  }
  return errors;
}

/** checkAddresses' messages, in order. */
function indexed(m: TopologyModel, linkOf: Map<InterfaceSpec, LinkSpec>): string[] {
  const ctx = new Ctx("t.yaml", "", new LineCounter(), () => null);
  checkAddresses(m, linkOf, ctx);
  return ctx.errors.map((e) => e.message);
}

Deno.test("checkAddresses reports exactly what comparing every pair reports, on random topologies", () => {
  const rng = new Prng(99);
  // Few distinct networks, so duplicates and overlaps are common; one private and one public range.
  const bases = ["192.168.1.0", "192.168.0.0", "10.0.0.0", "198.18.0.0", "198.18.1.0", "0.0.0.0"];
  const lengths = [0, 8, 16, 23, 24, 30, 32];
  for (let round = 0; round < 150; round++) {
    const nodes: NodeSpec[] = [];
    const ends: string[] = [];
    const nodeCount = rng.int(2, 8);
    for (let n = 0; n < nodeCount; n++) {
      const interfaces: Record<string, string> = {};
      for (let k = 0; k < rng.int(1, 3); k++) {
        const base = parseIpv4(bases[rng.int(0, bases.length - 1)]);
        const ip = ((base.ok ? base.value : 0) + rng.int(0, 5)) >>> 0;
        const text = [ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255].join(".");
        interfaces[`e${k}`] = `${text}/${lengths[rng.int(0, lengths.length - 1)]}`;
        ends.push(`n${n}:e${k}`);
      }
      const spec = node(`n${n}`, "router", interfaces);
      spec.interfaces.forEach((i, k) => i.pos = { line: 10 * n + k + 1, col: 1 });
      nodes.push(spec);
    }
    const links: LinkSpec[] = [];
    for (let l = 0; ends.length > 0 && l < 4; l++) {
      const members = ends.splice(0, rng.int(1, 3));
      links.push(link(`l${l}`, members));
    }
    const m = model(nodes, links);
    const linkOf = new Map<InterfaceSpec, LinkSpec>();
    for (const l of links) {
      for (const end of l.endpoints) {
        const spec = nodes.find((n) => n.name === end.node)!.interfaces.find((i) => i.name === end.iface)!;
        linkOf.set(spec, l);
      }
    }
    assert.deepEqual(indexed(m, linkOf), allPairs(m, linkOf), `round ${round}`);
  }
});
