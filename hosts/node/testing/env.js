// What the tests that need the plugin or the Rust harness read from the environment.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** Locates this package (hosts/node). */
export const PACKAGE_DIR = path.resolve(HERE, '..');
/** Lists both Node SDKs, by the name the adapter takes. */
export const SDKS = ['1', '2'];
/** Gives the instant every transcript asks about. */
export const AS_OF = '2026-11-01T00:00:00Z';

/** Returns the environment variable `name`, or throws saying what to set (tests never skip). */
export function requiredEnv(name, what) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: set it to ${what} (these tests fail rather than skip, so CI cannot pass without them)`);
  }
  if (!existsSync(value)) throw new Error(`${name}=${value} does not exist: set it to ${what}`);
  return path.resolve(value);
}

/** Returns the plugin manifest the tests load (env PLUGIN_MANIFEST). */
export function pluginManifest() {
  return requiredEnv('PLUGIN_MANIFEST', "the plugin bundle's manifest.json (dist/saas-alerts-0.1.0/manifest.json)");
}

/** Returns the Rust host-harness binary (env HOST_HARNESS). */
export function hostHarness() {
  return requiredEnv('HOST_HARNESS', 'the built host-harness binary (cargo build -p host-harness → target/debug/host-harness)');
}

/** Returns the fixtures folder (env FIXTURES, default ../../fixtures from hosts/node). */
export function fixturesDir() {
  return path.resolve(PACKAGE_DIR, process.env.FIXTURES ?? '../../fixtures');
}

/**
 * Returns the plugins the cross-host tests compare, `[{manifest, fixtures}]`: env
 * CROSS_HOST_PLUGINS (a JSON list of such objects, paths absolute), else PLUGIN_MANIFEST with
 * FIXTURES.
 */
export function crossHostPlugins() {
  const listed = process.env.CROSS_HOST_PLUGINS;
  if (!listed) return [{ manifest: pluginManifest(), fixtures: fixturesDir() }];
  return JSON.parse(listed).map(({ manifest, fixtures }) => ({ manifest: path.resolve(manifest), fixtures: path.resolve(fixtures) }));
}

/** Lists the scenario folders of `dir` (default: the fixtures): those with an exchanges.json. */
export function scenarios(dir = fixturesDir()) {
  if (!existsSync(dir)) throw new Error(`FIXTURES folder ${dir} does not exist: set FIXTURES to the repository's fixtures/`);
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(path.join(dir, entry.name, 'exchanges.json')))
    .map((entry) => entry.name)
    .sort();
}
