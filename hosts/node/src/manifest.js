// Reads a vendor plugin's `manifest.json` (the project's format, not Extism's) and its module.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** Names the host profile this adapter implements. */
export const HOST_PROFILE = '1.0';
/** Gives the default of `limits.request_timeout_ms`. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;
/** Names the import namespace of WASI preview 1. */
export const WASI_PREVIEW_1 = 'wasi_snapshot_preview1';

/** Reports a manifest or module that cannot be used; the message says which field and why. */
export class ManifestError extends Error {
  /** Creates the error for the manifest at `manifestPath`. */
  constructor(manifestPath, message) {
    super(`${manifestPath}: ${message}`);
    this.name = 'ManifestError';
  }
}

/** Returns the major number of a `major.minor` version, or NaN. */
function majorOf(version) {
  const match = /^(\d+)\.(\d+)$/.exec(String(version));
  return match ? Number(match[1]) : NaN;
}

/**
 * Loads and checks the manifest at `manifestPath`; returns it with `wasmBytes` (the module),
 * `hostProfile`, `wasi` (false when absent) and `limits.request_timeout_ms` filled in.
 */
export function loadManifest(manifestPath) {
  const fail = (message) => {
    throw new ManifestError(manifestPath, message);
  };
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  } catch (error) {
    fail(`not a readable JSON manifest (${error.message})`);
  }
  if (manifest === null || typeof manifest !== 'object' || Array.isArray(manifest)) fail('not a JSON object');

  if (majorOf(manifest.interface_version) !== 1) {
    fail(`interface_version ${JSON.stringify(manifest.interface_version)} is not spoken by this host (it speaks 1.x)`);
  }
  const hostProfile = manifest.host_profile ?? HOST_PROFILE;
  if (majorOf(hostProfile) !== 1) {
    fail(`host_profile ${JSON.stringify(hostProfile)} is not implemented by this host (it implements ${HOST_PROFILE})`);
  }

  const limits = { ...manifest.limits };
  limits.request_timeout_ms ??= DEFAULT_REQUEST_TIMEOUT_MS;
  for (const field of ['timeout_ms', 'memory_max_pages', 'max_http_response_bytes', 'request_timeout_ms']) {
    if (!Number.isSafeInteger(limits[field]) || limits[field] < 1) fail(`limits.${field} must be a positive integer`);
  }
  const wasi = manifest.wasi ?? false;
  if (typeof wasi !== 'boolean') fail('wasi must be true or false');
  const allowedHosts = manifest.allowed_hosts ?? [];
  if (!Array.isArray(allowedHosts) || !allowedHosts.every((host) => typeof host === 'string')) {
    fail('allowed_hosts must be a list of host names');
  }

  const wasmPath = manifest.wasm?.path;
  if (typeof wasmPath !== 'string' || wasmPath === '') fail('wasm.path is missing');
  if (path.isAbsolute(wasmPath) || wasmPath.split(/[\\/]/).includes('..')) {
    fail(`wasm.path ${JSON.stringify(wasmPath)} must be relative and stay inside the manifest's folder`);
  }
  const wasmFile = path.join(path.dirname(manifestPath), wasmPath);
  let wasmBytes;
  try {
    wasmBytes = readFileSync(wasmFile);
  } catch (error) {
    fail(`the module ${wasmFile} cannot be read (${error.code ?? error.message})`);
  }
  const expected = manifest.wasm.sha256;
  if (expected !== undefined) {
    const actual = createHash('sha256').update(wasmBytes).digest('hex');
    if (actual !== expected) {
      fail(`the module ${wasmFile} has SHA-256 ${actual}, but wasm.sha256 pins ${expected}: refusing to load it`);
    }
  }
  return { ...manifest, hostProfile, limits, wasi, allowed_hosts: allowedHosts, wasmPath: wasmFile, wasmBytes };
}

/**
 * Refuses a compiled `module` that imports WASI when `manifest` (loaded from `manifestPath`) does
 * not say `"wasi": true`, naming the first WASI import and the option (host profile L5).
 */
export function checkWasi(manifestPath, manifest, module) {
  if (manifest.wasi) return;
  const wasi = WebAssembly.Module.imports(module).find((i) => i.kind === 'function' && i.module === WASI_PREVIEW_1);
  if (wasi) {
    throw new ManifestError(
      manifestPath,
      `the module ${manifest.wasmPath} imports ${wasi.module}::${wasi.name}, a WASI function, but its manifest does not turn WASI on: ` +
        'set "wasi": true in manifest.json (a plugin built for wasm32-wasip1, by TinyGo or from JS needs it)',
    );
  }
}
