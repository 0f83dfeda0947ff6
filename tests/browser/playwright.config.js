// Playwright's runner driving Debian's Chromium (never a browser of its own: see README.md).
import os from "node:os";
import path from "node:path";
import { defineConfig } from "@playwright/test";

const root = process.getuid && process.getuid() === 0;

export default defineConfig({
  testDir: ".",
  testMatch: "*.spec.js",
  workers: 1,
  retries: 0,
  fullyParallel: false,
  reporter: "list",
  timeout: 120_000,
  expect: { timeout: 15_000 },
  outputDir: path.join(os.tmpdir(), "host-harness-browser-results"),
  use: {
    browserName: "chromium",
    headless: true,
    // Tall enough that both mapping lists fit: a drag then needs no scrolling.
    viewport: { width: 1280, height: 1400 },
    screenshot: "off",
    trace: "off",
    launchOptions: {
      executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
      // Chromium's sandbox refuses to start as root (CI runs as root).
      args: root ? ["--no-sandbox"] : [],
    },
  },
  projects: [{ name: "chromium" }],
});
