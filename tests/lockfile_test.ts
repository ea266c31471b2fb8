/**
 * The committed lock must be the one a fresh `npm install` writes, or a newcomer's first command
 * leaves a dirty tree (and `npm ci` in CI would install something else). npm adds an entry for each
 * optional package of every dependency it resolves, whatever the platform, so the lock must already
 * hold every optional package the pinned packages declare, at the declared version.
 */
import assert from "node:assert/strict";

interface LockEntry {
  version?: string;
  optionalDependencies?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

const root = new URL("../", import.meta.url);
const lock = JSON.parse(await Deno.readTextFile(new URL("package-lock.json", root))) as {
  packages: Record<string, LockEntry>;
};
const manifest = JSON.parse(await Deno.readTextFile(new URL("package.json", root))) as LockEntry;

Deno.test("the lock holds every optional platform package of every locked package", () => {
  const missing: string[] = [];
  for (const [path, entry] of Object.entries(lock.packages)) {
    for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
      const locked = lock.packages[`node_modules/${name}`];
      if (!locked || locked.version !== version) {
        missing.push(`${name}@${version} (wanted by ${path || "root"})`);
      }
    }
  }
  assert.deepEqual(missing, []);
});

Deno.test("the lock's root matches package.json, so npm ci accepts it", () => {
  const rootEntry = lock.packages[""];
  assert.deepEqual(rootEntry.dependencies ?? {}, manifest.dependencies ?? {});
  assert.deepEqual(rootEntry.devDependencies ?? {}, manifest.devDependencies ?? {});
});
