// Reads a vendor plugin's `manifest.json` (the project's format, not Extism's) and its module,
// under the rules of the Rust harness (`host-harness/src/runtime/manifest.rs`).
import { createHash } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, readFileSync, readSync, realpathSync } from 'node:fs';
import path from 'node:path';

/** Names the host profile this adapter implements. */
export const HOST_PROFILE = '1.0';
/** Names the newest interface version this adapter speaks. */
export const INTERFACE_VERSION = '1.1';
/** Gives the largest module read, in bytes: a vendor plugin is a few hundred KB. */
export const MAX_WASM_BYTES = 64 * 1024 * 1024;
/** Gives the default of `limits.request_timeout_ms` (or `timeout_ms`, when that is smaller). */
export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;
/** Gives the longest `timeout_ms` accepted: one day. */
export const MAX_TIMEOUT_MS = 86_400_000;
/** Gives the most `memory_max_pages` accepted: 4 GiB, the wasm32 maximum. */
export const MAX_MEMORY_PAGES = 65_536;
/** Gives the size of one wasm memory page. */
export const WASM_PAGE_BYTES = 65_536;
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

/** Gives the first four bytes of every WebAssembly binary, `\0asm`. */
const WASM_MAGIC = Buffer.from([0, 0x61, 0x73, 0x6d]);
/** Gives the next four: version 1, a core module (a component has another). */
const WASM_VERSION_1 = Buffer.from([1, 0, 0, 0]);
/** Gives the size of one read of the module. */
const READ_CHUNK_BYTES = 1 << 20;
/** Gives the largest number a version part may have (Rust's u32). */
const MAX_VERSION_PART = 0xffff_ffff;

/**
 * Returns `{major, minor}` of a `major.minor` string (two runs of ASCII digits, each at most
 * 2^32 - 1; ASCII white space around ignored), or undefined: `Version::parse` of the contract.
 */
export function parseVersion(text) {
  if (typeof text !== 'string') return undefined;
  const match = /^[ \t\n\f\r]*([0-9]+)\.([0-9]+)[ \t\n\f\r]*$/.exec(text);
  if (!match) return undefined;
  const [major, minor] = [Number(match[1]), Number(match[2])];
  return major <= MAX_VERSION_PART && minor <= MAX_VERSION_PART ? { major, minor } : undefined;
}

/** Tells whether a party of version `ours` serves one of version `found`: the same major, a minor not newer. */
export function isServed(found, ours) {
  const [f, o] = [parseVersion(found), parseVersion(ours)];
  return f !== undefined && o !== undefined && f.major === o.major && f.minor <= o.minor;
}

/** Tells whether `pin` is a well-formed `wasm.sha256`: 64 hex digits, either case. */
export function isSha256Pin(pin) {
  return typeof pin === 'string' && /^[0-9a-fA-F]{64}$/.test(pin);
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

  if (!isServed(manifest.interface_version, INTERFACE_VERSION)) {
    fail(`the plugin implements interface ${show(manifest.interface_version)}, but this host speaks ${INTERFACE_VERSION} (same major, minor not newer)`);
  }
  const hostProfile = manifest.host_profile ?? HOST_PROFILE;
  if (!isServed(hostProfile, HOST_PROFILE)) {
    fail(`the plugin needs host profile ${show(hostProfile)}, but this host meets ${HOST_PROFILE} (same major, minor not newer)`);
  }

  const limits = readLimits(manifest.limits, fail);
  const wasi = manifest.wasi ?? false;
  if (typeof wasi !== 'boolean') fail('wasi must be true or false');
  const allowedHosts = manifest.allowed_hosts ?? [];
  if (!Array.isArray(allowedHosts) || !allowedHosts.every((host) => typeof host === 'string')) {
    fail('allowed_hosts must be a list of host names');
  }

  const wasmPath = manifest.wasm?.path;
  if (typeof wasmPath !== 'string' || wasmPath === '') fail('wasm.path is missing');
  if (path.isAbsolute(wasmPath) || wasmPath.split(/[\\/]/).includes('..')) {
    fail(`wasm.path ${JSON.stringify(wasmPath)} must be relative to the manifest's folder and stay inside it`);
  }
  // Absent or null: unchecked, as in the Rust harness and the Python host.
  const expected = manifest.wasm.sha256 ?? undefined;
  if (expected !== undefined && !isSha256Pin(expected)) {
    fail(`wasm.sha256 must be 64 hex digits (either case) or null, not ${JSON.stringify(expected)}`);
  }
  const wasmFile = resolveModule(fail, manifestPath, wasmPath);
  const wasmBytes = readModule(fail, wasmFile);
  if (expected !== undefined) {
    const actual = createHash('sha256').update(wasmBytes).digest('hex');
    if (actual !== expected.toLowerCase()) {
      fail(`the module ${wasmFile} has SHA-256 ${actual}, but wasm.sha256 pins ${expected}: refusing to load it`);
    }
  }
  return { ...manifest, hostProfile, limits, wasi, allowed_hosts: allowedHosts, wasmPath: wasmFile, wasmBytes };
}

/**
 * Returns the manifest's `limits`, each in its range (host profile L3), `request_timeout_ms`
 * filled in when absent or null: min(60 000, `timeout_ms`) (`contract/vectors/manifest-limits.json`).
 * Calls `fail` with the message naming the first limit out of range.
 */
export function readLimits(raw, fail) {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) fail('limits must be an object');
  const inRange = (field, most, fallback) => {
    const value = raw[field] ?? fallback;
    if (!Number.isSafeInteger(value) || value < 1 || value > most) {
      fail(`limits.${field} must be an integer from 1 to ${most}, not ${JSON.stringify(value)}`);
    }
    return value;
  };
  const timeoutMs = inRange('timeout_ms', MAX_TIMEOUT_MS);
  const memoryMaxPages = inRange('memory_max_pages', MAX_MEMORY_PAGES);
  return {
    ...raw,
    timeout_ms: timeoutMs,
    memory_max_pages: memoryMaxPages,
    max_http_response_bytes: inRange('max_http_response_bytes', memoryMaxPages * WASM_PAGE_BYTES),
    request_timeout_ms: inRange('request_timeout_ms', timeoutMs, Math.min(DEFAULT_REQUEST_TIMEOUT_MS, timeoutMs)),
  };
}

/** Returns `value` as a message shows a version: a string as it is, anything else as JSON. */
function show(value) {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * Returns the module's real path: `wasmPath` in the manifest's folder, symlinks (of the folder
 * and of the file) resolved; refuses, by `fail`, a module that ends up outside that folder.
 */
function resolveModule(fail, manifestPath, wasmPath) {
  let folder;
  try {
    folder = realpathSync(path.dirname(path.resolve(manifestPath)));
  } catch (error) {
    fail(`the manifest's folder cannot be read (${error.code ?? error.message})`);
  }
  // Named from the resolved folder, so that a missing module's path is absolute.
  const joined = path.join(folder, wasmPath);
  let resolved;
  try {
    resolved = realpathSync(joined);
  } catch (error) {
    if (error.code === 'ENOENT') {
      fail(`the plugin module ${joined} does not exist: build the plugin first and check that wasm.path names the file the build writes`);
    }
    fail(`cannot read the plugin module ${joined} (${error.code ?? error.message})`);
  }
  const inside = path.relative(folder, resolved);
  if (inside === '..' || inside.startsWith(`..${path.sep}`) || path.isAbsolute(inside)) {
    fail(`the plugin module ${joined} resolves to ${resolved}, outside the manifest's folder ${folder}: the module must stay inside it, symlinks included`);
  }
  return resolved;
}

/**
 * Reads the module at `file`: a regular file (checked on the opened descriptor) of at most
 * {@link MAX_WASM_BYTES}, read with that bound, that starts with the WebAssembly magic and
 * version 1. Refuses anything else by `fail`, naming the path and never the file's bytes.
 */
function readModule(fail, file) {
  const tooLarge = () => fail(`the plugin module ${file} is larger than ${MAX_WASM_BYTES} bytes, the most a module may have: refusing to read it`);
  let fd;
  try {
    // Non-blocking: opening a FIFO does not wait for a writer. No-follow: the resolved file
    // cannot have become a link since.
    fd = openSync(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOFOLLOW ?? 0));
  } catch (error) {
    fail(`cannot read the plugin module ${file} (${error.code ?? error.message})`);
  }
  const chunks = [];
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) fail(`the plugin module ${file} is not a regular file: refusing to read it`);
    if (stat.size > MAX_WASM_BYTES) tooLarge();
    // The file may grow under us: never read more than one byte past the bound.
    for (let size = 0; ; ) {
      const chunk = Buffer.allocUnsafe(Math.min(READ_CHUNK_BYTES, MAX_WASM_BYTES + 1 - size));
      const read = readSync(fd, chunk, 0, chunk.length, null);
      if (read === 0) break;
      chunks.push(chunk.subarray(0, read));
      size += read;
      if (size > MAX_WASM_BYTES) tooLarge();
    }
  } catch (error) {
    if (error instanceof ManifestError) throw error;
    fail(`cannot read the plugin module ${file} (${error.code ?? error.message})`);
  } finally {
    closeSync(fd);
  }
  const bytes = Buffer.concat(chunks);
  if (bytes.length < 4 || !bytes.subarray(0, 4).equals(WASM_MAGIC)) {
    fail(`the plugin module ${file} is not a WebAssembly module (its first bytes are not \\0asm)`);
  }
  if (bytes.length < 8 || !bytes.subarray(4, 8).equals(WASM_VERSION_1)) {
    fail(`the plugin module ${file} is a WebAssembly binary but not a version 1 core module (a component?), which Extism cannot run`);
  }
  return bytes;
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
