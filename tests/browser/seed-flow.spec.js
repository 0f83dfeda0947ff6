// The seed flow of `host-harness ui` end to end in a real browser, once per vendor: a wrong key,
// the right key, auto-matching, two accounts dragged, one mapped by keyboard alone, a service
// found by Product ID, Finish, the sync, approving two lines, syncing again to see them as no
// change; then every response, the final page and the store scanned for every form of the key.
import { test, expect, startUi, findSecret, screenshots } from "./harness.js";

const VENDORS = [
  {
    name: "SaaS Alerts",
    shots: "",
    manifest: "manifest.json",
    replay: "fixtures/happy-path",
    psa: "fixtures/happy-path/psa.json",
    key: { field: "api_key", label: "API Key", right: "replay-api-key", wrong: "wrong-key-0000" },
    url: { field: "api_url", label: "API URL" },
    autoMatched: ["Café Délice", "Northwind Traders"],
    // PSA account id → vendor account id.
    dragged: [["30200002", "In1tEcH5sOfTw4rE6pQr"], ["30200004", "Um8rElLa2HeAlTh6LlCz"]],
    keyboard: { psa: "30200005", search: "Wayne", vendor: "Wa9yNeEnT3rPr1s3sXyZ", unmapFirst: false },
    service: { product: "SA-USERS", id: "billable-users" },
  },
  {
    name: "Paged Backup",
    shots: "paged-vendor/",
    manifest: "examples/paged-vendor/manifest.json",
    replay: "examples/paged-vendor/fixtures/happy-path",
    psa: "examples/paged-vendor/fixtures/happy-path/psa.json",
    key: { field: "api_token", label: "API token", right: "replay-token", wrong: "wrong-token-0000" },
    url: { field: "api_url", label: "API URL" },
    autoMatched: ["Alder & Finch LLP", "Harbor Dental Group"],
    dragged: [["5002", "tn-1002"], ["5004", "tn-1004"]],
    // Every tenant left is dragged: the keyboard unmaps an auto-match and maps it again.
    keyboard: { psa: "5003", search: "Harbor", vendor: "tn-1003", unmapFirst: true },
    service: { product: "PB-SEATS", id: "backup-seats" },
  },
];

for (const vendor of VENDORS) {
  test(`seed flow: ${vendor.name}`, async ({ page, browserLog }) => {
    const ui = await startUi(vendor);
    const shots = screenshots(vendor.shots);
    try {
      await flow(page, ui, vendor, shots);
      await page.waitForLoadState("networkidle");
      const finalHtml = await page.content();
      const bodies = await browserLog.settled();
      expect(bodies.length).toBeGreaterThan(20);
      for (const secret of [vendor.key.right, vendor.key.wrong]) {
        for (const { url, body } of bodies) {
          expect(findSecret(body, secret), `a form of the key in the response of ${url}`).toEqual([]);
        }
        expect(findSecret(finalHtml, secret), "a form of the key in the final page").toEqual([]);
        expect(findSecret(page.url(), secret), "the key in the URL").toEqual([]);
      }
      // The store while it runs (with any journal), then once the server ended.
      const scanStore = () => {
        const files = ui.storeFiles();
        expect(files.map((f) => f.name)).toContain("store.db");
        for (const { name, bytes } of files) {
          expect(bytes.length).toBeGreaterThan(0);
          for (const secret of [vendor.key.right, vendor.key.wrong]) {
            expect(findSecret(bytes, secret), `a form of the key in ${name}`).toEqual([]);
          }
        }
      };
      scanStore();
      await ui.kill();
      scanStore();
      expect(findSecret(ui.output(), vendor.key.right), "the key in the server's output").toEqual([]);
    } finally {
      await ui.stop();
      shots.done();
    }
  });
}

async function flow(page, ui, vendor, shots) {
  // The token in the printed URL becomes a cookie, and the token leaves the address bar.
  await page.goto(ui.url);
  await expect(page).toHaveURL(`${ui.origin}/`);
  const nav = page.getByRole("navigation").first();
  for (const screen of ["Integrations", "Connect", "Accounts", "Services", "Sync", "Review", "History"]) {
    await expect(nav.getByRole("link", { name: screen, exact: true })).toBeVisible();
  }
  await expect(page.locator("#integration-status")).toHaveText("not connected");
  await shots.take(page, "01-integrations");

  // Connect: the form from the schema, the replay's URL filled in, a wrong key first.
  await nav.getByRole("link", { name: "Connect", exact: true }).click();
  await expect(page).toHaveURL(`${ui.origin}/connect`);
  const key = page.getByLabel(vendor.key.label);
  await expect(key).toHaveAttribute("type", "password");
  await expect(page.getByLabel(vendor.url.label)).toHaveValue(/^http:\/\/127\.0\.0\.1:\d+/);
  await key.fill(vendor.key.wrong);
  await page.getByRole("button", { name: "Authenticate" }).click();
  await expect(page.locator(`#error-${vendor.key.field}`)).toContainText("auth");
  await expect(page.locator(`#error-${vendor.url.field}`)).toHaveText("");
  await expect(page.locator("#connect-error")).toHaveText("");
  await expect(page.getByLabel(vendor.key.label)).toHaveValue("");
  await shots.take(page, "02-connect-error");

  // The right key: the plugin's sentence, and the status pending.
  await page.getByLabel(vendor.key.label).fill(vendor.key.right);
  await page.getByRole("button", { name: "Authenticate" }).click();
  await expect(page.locator("#connect-result")).not.toBeEmpty();
  await expect(page.locator(`#error-${vendor.key.field}`)).toHaveText("");
  await expect(page.getByLabel(vendor.key.label)).toHaveValue("");
  await shots.take(page, "03-connected");
  await nav.getByRole("link", { name: "Integrations", exact: true }).click();
  await expect(page.locator("#integration-status")).toHaveText("pending");

  // Accounts: the auto-matches, then two drags and one mapping by keyboard alone.
  await nav.getByRole("link", { name: "Accounts", exact: true }).click();
  // app.js listens from DOMContentLoaded: a filter changed before then is not applied.
  await page.waitForLoadState("load");
  const vendorRow = (id) => page.locator(`#vendor-accounts li[data-vendor-id="${id}"]`);
  const psaRow = (id) => page.locator(`#psa-accounts li[data-psa-id="${id}"]`);
  for (const name of vendor.autoMatched) {
    const row = page.locator("#vendor-accounts li[data-vendor-id]", { has: page.locator(".name", { hasText: name }) }).first();
    await expect(row.locator(".state")).toHaveText("mapped");
    await expect(row.locator(".psa-name")).toContainText(name);
    await expect(row.locator(".basis")).not.toBeEmpty();
  }
  await page.getByLabel("Show").selectOption("mapped");
  // The list reloads a moment after the change: wait for it to show mapped accounts only.
  await expect
    .poll(async () => [...new Set(await page.locator("#vendor-accounts li[data-vendor-id] .state").allTextContents())])
    .toEqual(["mapped"]);
  await page.getByLabel("Show").selectOption("all");
  // The list reloads 120 ms after the change: a drag must not start on the list it replaces.
  await expect
    .poll(async () => (await page.locator("#vendor-accounts li[data-vendor-id] .state").allTextContents()).includes("unmapped"))
    .toBe(true);
  await page.waitForLoadState("networkidle");
  await expect(page.locator("#vendor-accounts li[data-vendor-id]")).toHaveCount(await vendorCount(page));
  await shots.take(page, "04-accounts");

  for (const [psaId, vendorId] of vendor.dragged) {
    await expect(vendorRow(vendorId).locator(".state")).toHaveText("unmapped");
    const name = await psaRow(psaId).locator(".name").textContent();
    await psaRow(psaId).dragTo(vendorRow(vendorId));
    await page.waitForLoadState("networkidle");
    await expect(vendorRow(vendorId).locator(".state")).toHaveText("mapped");
    await expect(vendorRow(vendorId).locator(".psa-name")).toContainText(name);
  }
  await shots.take(page, "04b-accounts-dragged");

  const keyboard = vendor.keyboard;
  if (keyboard.unmapFirst) {
    await vendorRow(keyboard.vendor).getByRole("button", { name: "Unmap" }).focus();
    await page.keyboard.press("Enter");
    await expect(vendorRow(keyboard.vendor).locator(".state")).toHaveText("unmapped");
  }
  const search = page.getByLabel("Search PSA accounts");
  await search.focus();
  await page.keyboard.type(keyboard.search);
  await expect(page.locator("#psa-accounts li[data-psa-id]").first()).toBeVisible();
  await expect(async () => {
    const names = await page.locator("#psa-accounts li[data-psa-id] .name").allTextContents();
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) expect(name.toLowerCase()).toContain(keyboard.search.toLowerCase());
  }).toPass();
  await psaRow(keyboard.psa).getByRole("button", { name: "Select" }).focus();
  await page.keyboard.press("Enter");
  await expect(psaRow(keyboard.psa).getByRole("button", { name: "Select" })).toHaveAttribute("aria-pressed", "true");
  const mapHere = vendorRow(keyboard.vendor).getByRole("button", { name: "Map selected here" });
  await expect(mapHere).toBeEnabled();
  await mapHere.focus();
  await page.keyboard.press("Space");
  await expect(vendorRow(keyboard.vendor).locator(".state")).toHaveText("mapped");
  await shots.take(page, "04c-accounts-keyboard");

  // Services: the auto-matched service unmapped (Finish then disabled), found again by its
  // Product ID in the search, and dropped on the service.
  await nav.getByRole("link", { name: "Services", exact: true }).click();
  await page.waitForLoadState("load");
  const service = page.locator(`#vendor-services li[data-service-id="${vendor.service.id}"]`);
  await expect(page.locator("#finish")).toBeEnabled();
  if ((await service.locator(".state").textContent()) === "mapped") {
    await service.getByRole("button", { name: "Unmap" }).click();
    await expect(service.locator(".state")).toHaveText("unmapped");
  }
  if ((await page.locator("#vendor-services .state", { hasText: /^mapped$/ }).count()) === 0) {
    await expect(page.locator("#finish")).toBeDisabled();
  }
  await page.getByLabel("Search PSA products").fill(vendor.service.product);
  const product = page.locator(`#psa-products li[data-product-id="${vendor.service.product}"]`);
  await expect(page.locator("#psa-products li[data-product-id]")).toHaveCount(1);
  await expect(product).toBeVisible();
  await shots.take(page, "04d-services-search");
  await page.waitForLoadState("networkidle");
  await product.dragTo(service);
  await page.waitForLoadState("networkidle");
  await expect(service.locator(".state")).toHaveText("mapped");
  await expect(service.locator(".psa-name")).toContainText(vendor.service.product);
  await expect(page.locator("#finish")).toBeEnabled();
  await shots.take(page, "05-services");

  // Finish starts the sync; its status, then Refresh, which goes to the review.
  await page.locator("#finish").click();
  await expect(page).toHaveURL(`${ui.origin}/sync`);
  await syncEnded(page, shots, ["06-sync", "06b-sync-ended"]);
  await page.locator("#refresh").click();
  await expect(page).toHaveURL(/\/review/);
  const lines = page.locator("#review-lines tr[data-line]");
  await expect(lines.first()).toBeVisible();
  await expect(page.locator("#failed")).toBeVisible();
  await expect(page.locator("#unmapped-usage")).toBeVisible();
  await expect(page.locator("#warnings")).toBeVisible();
  await shots.take(page, "07-review");

  // Filter and sort: only the kind asked for.
  await page.getByLabel("Kind").selectOption("no change");
  await page.getByLabel("Sort by").selectOption("delta");
  await page.getByRole("button", { name: "Apply" }).click();
  for (const kind of await page.locator("#review-lines tr[data-line] .kind").allTextContents()) {
    expect(kind).toBe("no change");
  }
  await page.getByLabel("Kind").selectOption("");
  await page.getByRole("button", { name: "Apply" }).click();

  // Approve two lines that are not "no change", selected by their checkboxes.
  const changing = page.locator("#review-lines tr[data-line]", { has: page.locator(".kind", { hasText: /^(new revenue|reconcile)$/ }) });
  expect(await changing.count()).toBeGreaterThanOrEqual(2);
  const approved = [];
  for (let i = 0; i < 2; i++) {
    const row = changing.nth(i);
    approved.push(await row.getAttribute("data-line"));
    await row.getByRole("checkbox").check();
  }
  await page.getByRole("button", { name: "Approve selected" }).click();
  await expect(page).toHaveURL(/\/approvals\/[^/]+$/);
  await expect(page.locator("#change-set tr[data-line]")).toHaveCount(2);
  for (const key of approved) await expect(page.locator(`#change-set tr[data-line="${key}"]`)).toHaveCount(1);
  for (const [link, type] of [["Download JSON", "json"], ["Download CSV", "csv"]]) {
    const href = await page.getByRole("link", { name: link }).getAttribute("href");
    const response = await page.request.get(new URL(href, ui.origin).href);
    expect(response.ok(), `${link}: ${response.status()}`).toBe(true);
    expect(response.headers()["content-type"]).toContain(type);
    const text = await response.text();
    for (const key of approved) expect(text).toContain(key.split(/[|:/]/)[0]);
    for (const secret of [vendor.key.right, vendor.key.wrong]) expect(findSecret(text, secret)).toEqual([]);
  }
  await shots.take(page, "08-approved");

  // Sync again: the two approved lines are no change now.
  await nav.getByRole("link", { name: "Review", exact: true }).click();
  await page.getByRole("button", { name: "Sync again" }).click();
  await expect(page).toHaveURL(`${ui.origin}/sync`);
  await syncEnded(page, shots, ["08b-sync-again", "08c-sync-again-ended"]);
  await page.locator("#refresh").click();
  await expect(page).toHaveURL(/\/review/);
  for (const key of approved) {
    await expect(page.locator(`#review-lines tr[data-line="${key}"] .kind`)).toHaveText("no change");
  }
  await shots.take(page, "08d-review-again");

  await nav.getByRole("link", { name: "Integrations", exact: true }).click();
  await expect(page.locator("#integration-status")).toHaveText("active");
  await nav.getByRole("link", { name: "History", exact: true }).click();
  const history = page.locator("#history");
  await expect(history).toBeVisible();
  await expect(history.locator("#syncs tbody tr")).toHaveCount(2);
  await expect(history.locator("#approvals tbody tr")).toHaveCount(1);
  await shots.take(page, "09-history");
}

/** The number of vendor accounts the list says it found. */
async function vendorCount(page) {
  const text = await page.locator("#vendor-accounts-box .count").textContent();
  return Math.min(50, Number.parseInt(text, 10));
}

/**
 * Waits on /sync for the sync to end, with its progress as the page showed it: a spinner and
 * "Listing accounts…" or "N of M accounts" while it runs, then "Sync finished", Refresh lit and
 * Cancel off. A replayed sync may end before a poll sees "N of M": each text seen is noted.
 */
async function syncEnded(page, shots, [started, ended]) {
  const status = page.getByRole("status").and(page.locator("#sync-status"));
  await expect(status).toBeVisible();
  const seen = [await status.locator(".text").textContent()];
  // As the page came (running, with its spinner, unless the replay was quicker), then ended.
  await shots.take(page, started);
  await expect(async () => {
    const text = await status.locator(".text").textContent();
    if (seen.at(-1) !== text) seen.push(text);
    expect(text).toMatch(/^Sync finished/);
  }).toPass({ timeout: 60_000, intervals: [50] });
  for (const text of seen) {
    expect(text).toMatch(/^(Listing accounts…|\d+ of \d+ accounts|Sync finished: the review is ready\.)$/);
  }
  test.info().annotations.push({ type: "sync progress", description: seen.join(" → ") });
  await expect(page.locator("#refresh")).toBeEnabled();
  await expect(status.locator(".spinner")).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Cancel" })).toBeDisabled();
  await shots.take(page, ended);
}

// Nobody else can drive the server: no token, a wrong token, another Host or a post without
// the CSRF token is refused, and the page allows no inline script.
test("the server refuses what its own browser did not send", async ({ page, browserLog, request }) => {
  const vendor = VENDORS[0];
  const ui = await startUi(vendor);
  try {
    for (const url of [`${ui.origin}/`, `${ui.origin}/connect`, `${ui.origin}/?token=0000`]) {
      const response = await request.get(url, { maxRedirects: 0 });
      expect(response.status(), url).toBeGreaterThanOrEqual(400);
      expect(await response.text()).not.toContain("connect-form");
    }
    const rebound = await request.get(ui.url, { maxRedirects: 0, headers: { Host: `evil.example:${new URL(ui.origin).port}` } });
    expect(rebound.status(), "a request for another Host").toBeGreaterThanOrEqual(400);

    await page.goto(ui.url);
    await expect(page.locator("#integration-status")).toHaveText("not connected");
    const csp = (await page.request.get(`${ui.origin}/`)).headers()["content-security-policy"] || "";
    expect(csp).toContain("script-src");
    expect(csp).not.toContain("unsafe-inline");
    // The browser's own cookie, but no CSRF token and a foreign Origin: refused, nothing changes.
    const forged = await page.request.post(`${ui.origin}/mapping`, {
      form: { edit: "exclude_account", vendor_account_id: "Ac7mE2sOnS9q4RtY1uVw", back: "/accounts" },
      headers: { Origin: "http://evil.example" },
      maxRedirects: 0,
    });
    expect(forged.status(), "a post without the CSRF token").toBeGreaterThanOrEqual(400);
    await page.goto(`${ui.origin}/`);
    await expect(page.locator("#integration-status")).toHaveText("not connected");
    expect(browserLog.errors).toEqual([]);
  } finally {
    await ui.stop();
  }
});
