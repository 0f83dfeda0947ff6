// The seed flow an MSP clicks through in `host-harness ui`, on two plugins, in a real browser.
import { test, expect } from "@playwright/test";
import { startUi, watch, secretForms, screenshot } from "./harness.js";

const PLUGINS = [
  {
    name: "SaaS Alerts on happy-path",
    manifest: "manifest.json",
    replay: "fixtures/happy-path",
    psa: "fixtures/happy-path/psa.json",
    keyLabel: "API Key",
    keyField: "api_key",
    key: "replay-api-key",
    service: "billable-users",
    productId: "SA-USERS",
    screenshots: true,
  },
  {
    name: "the paged example on its happy-path",
    manifest: "examples/paged-vendor/manifest.json",
    replay: "examples/paged-vendor/fixtures/happy-path",
    psa: "examples/paged-vendor/fixtures/happy-path/psa.json",
    keyLabel: "API token",
    keyField: "api_token",
    key: "replay-token",
    service: "backup-seats",
    productId: "PB-SEATS",
    screenshots: false,
  },
];

for (const plugin of PLUGINS) {
  test(`an MSP connects, maps, syncs and approves: ${plugin.name}`, async ({ page }, testInfo) => {
    const ui = await startUi(plugin);
    const seen = watch(page);
    const shot = (name) => (plugin.screenshots ? screenshot(page, testInfo, name) : undefined);
    try {
      // Integrations: nothing connected yet.
      await page.goto(ui.url);
      await expect(page.locator("#integration-status")).toHaveText("not connected");
      expect(page.url()).not.toContain("token=");
      await shot("01-integrations");

      // Connect with a wrong key: the auth error lands beside the key field.
      await page.getByRole("link", { name: "Connect" }).first().click();
      const key = page.getByLabel(plugin.keyLabel);
      await expect(key).toHaveAttribute("type", "password");
      await key.fill("a-wrong-key");
      await page.getByRole("button", { name: "Authenticate" }).click();
      await expect(page.locator(`#error-${plugin.keyField}`)).toContainText("auth");
      await shot("02-connect-error");

      // The right key: pending, with the plugin's sentence; the key is never sent back.
      await page.getByLabel(plugin.keyLabel).fill(plugin.key);
      await page.getByRole("button", { name: "Authenticate" }).click();
      await expect(page.locator("#connect-result")).toBeVisible();
      await expect(page.locator("header .status")).toHaveText("pending");
      await expect(page.getByLabel(plugin.keyLabel)).toHaveValue("");
      await shot("03-connected");

      // Accounts: auto-matching shown, two mapped by drag and drop, one by keyboard alone.
      await page.getByRole("link", { name: "Accounts" }).first().click();
      const vendorRows = page.locator("#vendor-accounts li[data-vendor-id]");
      await expect(vendorRows.filter({ has: page.locator(".state", { hasText: /^mapped$/ }) }).first()).toBeVisible();
      const unmapped = await vendorRows
        .filter({ has: page.locator(".state", { hasText: /^unmapped$/ }) })
        .evaluateAll((rows) => rows.map((row) => row.dataset.vendorId));
      expect(unmapped.length).toBeGreaterThanOrEqual(1);
      const psaIds = await page
        .locator("#psa-accounts li[data-psa-id]")
        .evaluateAll((rows) => rows.map((row) => row.dataset.psaId));
      const vendorRow = (id) => page.locator(`#vendor-accounts li[data-vendor-id="${id}"]`);
      const dragged = unmapped.slice(0, 2);
      for (const [i, vendorId] of dragged.entries()) {
        await page.locator(`#psa-accounts li[data-psa-id="${psaIds[i]}"]`).dragTo(vendorRow(vendorId));
        await expect(vendorRow(vendorId).locator(".state")).toHaveText("mapped");
        await page.waitForLoadState("load");
      }
      // Keyboard only: search, Select, then Map selected here, each pressed with Enter.
      const byKeyboard = unmapped[2] ?? dragged[0];
      await page.getByLabel("Search PSA accounts").focus();
      await page.keyboard.type(psaIds[psaIds.length - 1].slice(0, 4));
      const target = page.locator(`#psa-accounts li[data-psa-id="${psaIds[psaIds.length - 1]}"] button.select`);
      await target.focus();
      await page.keyboard.press("Enter");
      await expect(target).toHaveAttribute("aria-pressed", "true");
      const mapHere = vendorRow(byKeyboard).getByRole("button", { name: "Map selected here" });
      await expect(mapHere).toBeEnabled();
      await mapHere.focus();
      await page.keyboard.press("Enter");
      await expect(vendorRow(byKeyboard).locator(".state")).toHaveText("mapped");
      await page.waitForLoadState("load");
      // The filter shows only what is still waiting.
      await page.getByLabel("Show").selectOption("mapped");
      await expect(page.locator("#vendor-accounts .state").first()).toHaveText("mapped");
      await shot("04-accounts");

      // Services: unmap one, find its product by Product ID, map it back.
      await page.getByRole("link", { name: "Services" }).first().click();
      const serviceRow = page.locator(`#vendor-services li[data-service-id="${plugin.service}"]`);
      if ((await serviceRow.locator(".state").textContent()) === "mapped") {
        await serviceRow.getByRole("button", { name: "Unmap" }).click();
        await expect(serviceRow.locator(".state")).toHaveText("unmapped");
        await page.waitForLoadState("load");
      }
      await page.getByLabel("Search PSA products").fill(plugin.productId);
      const product = page.locator(`#psa-products li[data-product-id="${plugin.productId}"]`);
      await expect(page.locator("#psa-products li")).toHaveCount(1);
      await product.dragTo(serviceRow);
      await expect(serviceRow.locator(".state")).toHaveText("mapped");
      await shot("05-services");

      // Finish: the sync runs, its status ends, Refresh lights up.
      await expect(page.locator("#finish")).toBeEnabled();
      await page.locator("#finish").click();
      await expect(page.locator("#sync-status")).toBeVisible();
      await expect(page.locator("#refresh")).toBeEnabled({ timeout: 60_000 });
      await expect(page.locator("#sync-status")).toContainText("finished");
      await shot("06-sync");
      await page.locator("#refresh").click();

      // Review: approve two lines (or the one there is).
      await expect(page.locator("#review-lines")).toBeVisible();
      const changing = await page
        .locator("#review-lines tr[data-line]")
        .filter({ hasNot: page.locator(".kind", { hasText: "no change" }) })
        .evaluateAll((rows) => rows.map((row) => row.dataset.line));
      expect(changing.length).toBeGreaterThanOrEqual(1);
      await shot("07-review");
      const approved = changing.slice(0, 2);
      for (const line of approved) {
        await page.getByRole("checkbox", { name: `Select line ${line}` }).check();
      }
      await page.getByRole("button", { name: "Approve selected" }).click();
      await expect(page.locator("#change-set")).toBeVisible();
      await expect(page.getByRole("link", { name: "Download CSV" })).toBeVisible();
      await shot("08-approved");

      // Sync again: the approved lines are no change now.
      await page.getByRole("link", { name: "Back to the review" }).click();
      await page.getByRole("button", { name: "Sync again" }).click();
      await expect(page.locator("#refresh")).toBeEnabled({ timeout: 60_000 });
      await page.locator("#refresh").click();
      for (const line of approved) {
        await expect(page.locator(`#review-lines tr[data-line="${line}"] .kind`)).toHaveText("no change");
      }
      await page.getByRole("link", { name: "History" }).first().click();
      await expect(page.locator("#approvals tbody tr")).toHaveCount(1);
      await shot("09-history");

      // Nothing the browser received, and no byte of the store, holds the key.
      const html = await page.content();
      for (const form of secretForms(plugin.key)) {
        for (const body of seen.bodies) expect(body.text.includes(form), `${body.url} holds the key`).toBe(false);
        expect(html.includes(form)).toBe(false);
        expect(ui.storeText().includes(form), "the store holds the key").toBe(false);
      }
      expect(seen.errors).toEqual([]);
    } finally {
      await ui.stop();
    }
  });
}
