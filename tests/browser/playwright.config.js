// Playwright's runner with Debian's Chromium (`executablePath`): these machines cannot
// download browser builds, and the runner brings auto-waiting locators, traces on failure and
// drag and drop that a real browser performs.
import { defineConfig } from "@playwright/test";
import os from "node:os";
import path from "node:path";

const root = process.getuid && process.getuid() === 0;

export default defineConfig({
  testDir: ".",
  testMatch: "*.spec.js",
  workers: 1,
  retries: 0,
  timeout: 120_000,
  reporter: "list",
  outputDir: path.join(os.tmpdir(), "host-harness-browser-results"),
  use: {
    browserName: "chromium",
    headless: true,
    // Tall enough that both mapping columns are in view while a row is dragged across.
    viewport: { width: 1400, height: 1800 },
    launchOptions: {
      executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
      // Chromium's sandbox needs a user namespace that root in a container does not get.
      args: root ? ["--no-sandbox"] : [],
    },
    trace: "retain-on-failure",
  },
});
