// The Node reference host adapter: loads a vendor plugin by manifest into either Node Extism SDK
// (`@extism/extism` 1.0.3 or 2.x), gives it host profile 1.0's HTTP, and returns the contract's
// JSON or a typed error from each call.
import { errorOfFailure, fillRetryAfter, PluginCallError } from './errors.js';
import { hostFunctions, newCallState, requestWorker } from './http.js';
import { checkWasi, loadManifest, parseVersion } from './manifest.js';

export { PluginCallError } from './errors.js';
export { ManifestError } from './manifest.js';

const EXTISM_ENV = 'extism:host/env';
const SDKS = { 1: 'extism-1', 2: 'extism-2' };

/** Returns the SDK module for `sdk`: "1", "2", or an SDK module (anything with `createPlugin`). */
export async function resolveSdk(sdk) {
  if (typeof sdk?.createPlugin === 'function') return sdk;
  const name = SDKS[String(sdk)];
  if (!name) throw new TypeError(`unknown Extism SDK ${JSON.stringify(sdk)}: pass "1", "2" or the SDK module`);
  return import(name);
}

/** Tells whether a plugin of `interfaceVersion` reads transport failures as values (1.1 and later 1.x). */
export function readsFailuresAsValues(interfaceVersion) {
  const version = parseVersion(interfaceVersion);
  return version?.major === 1 && version.minor >= 1;
}

/** Holds a loaded vendor plugin; calls run one at a time. */
export class PluginInstance {
  #extism;
  #module;
  #plugin;
  #functions;
  #worker = requestWorker();
  #call = newCallState();

  /** Wraps the SDK `extism` for `manifest`; use {@link loadPlugin} instead. */
  constructor(extism, manifest, module, allowedHosts) {
    this.#extism = extism;
    this.#module = module;
    this.manifest = manifest;
    this.allowedHosts = allowedHosts;
    this.#functions = hostFunctions(
      {
        allowedHosts,
        maxResponseBytes: manifest.limits.max_http_response_bytes,
        requestTimeoutMs: manifest.limits.request_timeout_ms,
        callTimeoutMs: manifest.limits.timeout_ms,
        failuresAsValues: readsFailuresAsValues(manifest.interface_version),
        worker: this.#worker,
      },
      () => this.#call,
    );
  }

  /**
   * Creates the SDK's plugin instance. WASI is on only when the manifest says `"wasi": true`
   * (then with the SDKs' defaults: no paths, no environment, output discarded), and no
   * `allowedHosts` reach the SDK (this adapter's HTTP enforces them); `memory.maxPages` is read
   * by 2.x only, and neither SDK takes a call timeout outside a worker (the worker would not use
   * these host functions).
   */
  async start() {
    await this.#plugin?.close();
    this.#plugin = await this.#extism.createPlugin(
      { wasm: [{ module: this.#module }], memory: { maxPages: this.manifest.limits.memory_max_pages } },
      { useWasi: this.manifest.wasi, runInWorker: false, functions: { [EXTISM_ENV]: this.#functions } },
    );
  }

  /** Calls `exportName` with `input` (an object); returns its output object or throws a {@link PluginCallError}. */
  async call(exportName, input) {
    const call = (this.#call = newCallState());
    let output;
    try {
      await this.#plugin.reset(); // 1.0.3 keeps every call's memory otherwise; 2.x resets on its own.
      output = await this.#plugin.call(exportName, JSON.stringify(input));
    } catch (thrown) {
      const { error, trapped } = errorOfFailure(exportName, thrown, {
        failure: call.failure,
        elapsedMs: Date.now() - call.startedMs,
        timeoutMs: this.manifest.limits.timeout_ms,
      });
      if (trapped) await this.start(); // After a trap the wasm's own state (its stack pointer) is not to be trusted.
      throw new PluginCallError(exportName, fillRetryAfter(error, call.retryAfter));
    } finally {
      this.#call = newCallState();
    }
    try {
      return JSON.parse(output?.text() ?? '');
    } catch (error) {
      throw new PluginCallError(exportName, {
        class: 'internal',
        message: `${exportName} returned output that is not the contract's JSON: ${error.message}`,
      });
    }
  }

  /** Releases the SDK's plugin and stops the worker that made its requests. */
  async close() {
    await this.#plugin?.close();
    this.#plugin = undefined;
    await this.#worker.close();
  }
}

/**
 * Loads the plugin of the manifest at `manifestPath` into SDK `sdk` ("1", "2" or the module),
 * allowing `allowHosts` beside the manifest's `allowed_hosts`.
 */
export async function loadPlugin(manifestPath, { sdk = '2', allowHosts = [] } = {}) {
  const manifest = loadManifest(manifestPath);
  const extism = await resolveSdk(sdk);
  const module = await WebAssembly.compile(manifest.wasmBytes);
  checkWasi(manifestPath, manifest, module);
  const plugin = new PluginInstance(extism, manifest, module, [...manifest.allowed_hosts, ...allowHosts]);
  await plugin.start();
  return plugin;
}
