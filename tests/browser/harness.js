// The fixture every browser test uses: a `host-harness ui` child on 127.0.0.1 with a store in a
// temporary folder, the URL it prints, every response body the browser received, and a test
// that fails on any console error or page error.
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { test as base, expect } from "@playwright/test";

const here = path.dirname(fileURLToPath(import.meta.url));
/** The repository's root. */
export const ROOT = path.resolve(here, "../..");
/** The built binary: `$HOST_HARNESS`, or the debug build of this checkout. */
export const HOST_HARNESS = process.env.HOST_HARNESS || path.resolve(here, "../../target/debug/host-harness");

const URL_PATTERN = /http:\/\/127\.0\.0\.1:(\d+)\/\?token=([A-Za-z0-9_-]+)/;

/**
 * Starts `host-harness ui` on `manifest`, `replay` and `psa` (paths relative to the repository's
 * root) with a store in a new temporary folder; resolves once it printed its URL.
 */
export async function startUi({ manifest, replay, psa }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "host-harness-ui-"));
  const store = path.join(dir, "store.db");
  const child = spawn(
    HOST_HARNESS,
    ["ui", "--manifest", path.resolve(ROOT, manifest), "--replay", path.resolve(ROOT, replay),
      "--psa", path.resolve(ROOT, psa), "--store", store],
    { cwd: dir, stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`host-harness ui printed no URL in 60 s:\n${output}`)), 60_000);
    const read = (chunk) => {
      output += chunk;
      const match = output.match(URL_PATTERN);
      if (match) {
        clearTimeout(timer);
        resolve(match[0]);
      }
    };
    child.stdout.setEncoding("utf8").on("data", read);
    child.stderr.setEncoding("utf8").on("data", (chunk) => { output += chunk; });
    child.on("error", (error) => { clearTimeout(timer); reject(error); });
    child.on("exit", (code) => { clearTimeout(timer); reject(new Error(`host-harness ui exited (${code}):\n${output}`)); });
  }).catch((error) => {
    child.kill("SIGKILL");
    fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  });
  const origin = new URL(url).origin;
  return {
    url,
    origin,
    store,
    dir,
    output: () => output,
    /** Ends the server (SIGTERM, then SIGKILL after 5 s); the temporary folder stays. */
    async kill() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
        await exited;
        clearTimeout(timer);
      }
    },
    /** The store's files (the database and any journal beside it), as bytes. */
    storeFiles() {
      return fs.readdirSync(dir).filter((name) => name.startsWith("store.db"))
        .map((name) => ({ name, bytes: fs.readFileSync(path.join(dir, name)) }));
    },
    /** Ends the server and removes the temporary folder. */
    async stop() {
      await this.kill();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Every form of `secret` worth scanning for, mirroring what `plugin_contract::secrets` looks
 * for: raw, percent-encoded (once, twice, every byte), `+` for spaces, HTML character
 * references, JSON `\u` escapes, hex (both cases), base64 and base64url, alone and inside a
 * longer base64 string (`Basic base64("user:" + key)`).
 */
export function secretForms(secret) {
  const bytes = Buffer.from(secret, "utf8");
  const forms = new Set([secret]);
  forms.add(encodeURIComponent(secret));
  forms.add(encodeURIComponent(encodeURIComponent(secret)));
  const everyByte = [...bytes].map((b) => `%${b.toString(16).padStart(2, "0")}`).join("");
  forms.add(everyByte);
  forms.add(everyByte.toUpperCase());
  forms.add(secret.replaceAll(" ", "+"));
  forms.add([...secret].map((c) => `&#${c.codePointAt(0)};`).join(""));
  forms.add([...secret].map((c) => `&#x${c.codePointAt(0).toString(16)};`).join(""));
  forms.add([...secret].map((c) => `\\u${c.codePointAt(0).toString(16).padStart(4, "0")}`).join(""));
  forms.add(bytes.toString("hex"));
  forms.add(bytes.toString("hex").toUpperCase());
  for (const url of [false, true]) {
    const encode = (b) => {
      const text = b.toString("base64");
      return url ? text.replaceAll("+", "-").replaceAll("/", "_") : text;
    };
    forms.add(encode(bytes));
    forms.add(encode(bytes).replace(/=+$/, ""));
    // At each alignment, the characters only the secret's own bits decide.
    for (let shift = 0; shift < 3; shift++) {
      const encoded = encode(Buffer.concat([Buffer.alloc(shift, 0), bytes]));
      const start = Math.ceil((shift * 8) / 6);
      const end = Math.floor(((shift + bytes.length) * 8) / 6);
      const middle = encoded.slice(start, end);
      if (middle.length >= 8) forms.add(middle);
    }
  }
  return [...forms];
}

/** Returns the forms of `secret` found in `text` (a string or a Buffer read as latin1). */
export function findSecret(text, secret) {
  const haystack = Buffer.isBuffer(text) ? text.toString("latin1") : text;
  return secretForms(secret).filter((form) => haystack.includes(form));
}

/**
 * Screenshots named `NAME.png` (the spec numbers them in the flow's order: `01-integrations`,
 * `02-connect-error`, …) into `$SCREENSHOTS_DIR`/`prefix` (relative to the repository's root), or a temporary folder removed after.
 */
export function screenshots(prefix = "") {
  const keep = Boolean(process.env.SCREENSHOTS_DIR);
  // Relative to the repository's root, as `SCREENSHOTS_DIR=docs/screenshots ./dev browser` means it.
  const dir = keep ? path.resolve(ROOT, process.env.SCREENSHOTS_DIR) : fs.mkdtempSync(path.join(os.tmpdir(), "host-harness-shots-"));
  fs.mkdirSync(dir, { recursive: true });
  return {
    dir,
    async take(page, name) {
      const file = path.join(dir, `${prefix}${name}.png`);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      await page.screenshot({ path: file, fullPage: true });
      return file;
    },
    done() {
      if (!keep) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * `test` with a `browserLog` fixture: every response body the page received (`bodies`), and
 * the console errors and page errors, which fail the test at its end.
 */
export const test = base.extend({
  browserLog: async ({ page }, use) => {
    const bodies = [];
    const errors = [];
    const pending = [];
    page.on("response", (response) => {
      pending.push(
        response.body().then(
          (body) => bodies.push({ url: response.url(), status: response.status(), body }),
          () => {}, // a redirect or a page navigated away has no body to read
        ),
      );
    });
    page.on("console", (message) => {
      if (message.type() === "error") errors.push(`console: ${message.text()} (${message.location().url})`);
    });
    page.on("pageerror", (error) => errors.push(`pageerror: ${error.message}`));
    const log = {
      bodies,
      errors,
      async settled() {
        await Promise.all(pending);
        return bodies;
      },
    };
    await use(log);
    await Promise.all(pending);
    expect(errors, "console errors and page errors").toEqual([]);
  },
});

export { expect };
