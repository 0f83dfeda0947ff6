// Starts `host-harness ui` on a scenario for one test, and watches what the browser receives.
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const binary = process.env.HOST_HARNESS || path.join(root, "target/debug/host-harness");

/** Starts the web host; resolves to { url, folder, stop() } once it printed its URL. */
export async function startUi({ manifest, replay, psa }) {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), "host-harness-ui-"));
  const child = spawn(
    binary,
    ["--manifest", manifest, "--replay", replay, "ui", "--psa", psa, "--store", path.join(folder, "store.db")],
    { cwd: root, stdio: ["ignore", "pipe", "pipe"] },
  );
  let printed = "";
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL printed: ${printed}`)), 60_000);
    const read = (chunk) => {
      printed += chunk;
      const found = printed.match(/http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+/);
      if (found) {
        clearTimeout(timer);
        resolve(found[0]);
      }
    };
    child.stdout.on("data", read);
    child.stderr.on("data", read);
    child.on("exit", (code) => reject(new Error(`host-harness ui exited (${code}): ${printed}`)));
  });
  return {
    url,
    folder,
    /** Returns every byte the store keeps on disk, as text. */
    storeText() {
      return fs
        .readdirSync(folder)
        .map((name) => fs.readFileSync(path.join(folder, name)).toString("latin1"))
        .join("\n");
    },
    async stop() {
      child.kill("SIGTERM");
      await new Promise((resolve) => (child.exitCode !== null ? resolve() : child.on("exit", resolve)));
      fs.rmSync(folder, { recursive: true, force: true });
    },
  };
}

/** Returns the forms a secret may travel in: as typed, percent-encoded, base64, base64url. */
export function secretForms(secret) {
  const base64 = Buffer.from(secret).toString("base64");
  return [secret, encodeURIComponent(secret), base64, base64.replace(/=+$/, ""), Buffer.from(secret).toString("base64url")];
}

/** Keeps every response body the page receives, and every console error, for the checks. */
export function watch(page) {
  const bodies = [];
  const errors = [];
  page.on("response", async (response) => {
    try {
      bodies.push({ url: response.url(), text: (await response.body()).toString("latin1") });
    } catch {
      // A redirect has no body to read.
    }
  });
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  page.on("pageerror", (error) => errors.push(String(error)));
  return { bodies, errors };
}

/** Writes a screenshot of the page into SCREENSHOTS_DIR, or the test's own output folder. */
export async function screenshot(page, testInfo, name) {
  const folder = process.env.SCREENSHOTS_DIR || testInfo.outputPath("screenshots");
  fs.mkdirSync(folder, { recursive: true });
  await page.screenshot({ path: path.join(folder, `${name}.png`), fullPage: true });
}
