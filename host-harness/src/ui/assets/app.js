// The web host's little script: search as you type, paging, select-then-map and drag and
// drop on the mapping screens, and the sync's progress. Every change is a plain form post;
// this only fills in the form and keeps the lists fresh.
"use strict";

let selected = null; // { id, name } of the PSA account or product chosen with Select

function say(text) {
  const status = document.getElementById("selection");
  if (status) status.textContent = text;
}

// Reloads the list in box `boxId` with the values of every control aimed at it.
async function reload(boxId, page) {
  const box = document.getElementById(boxId);
  const list = box && box.querySelector("ul.list");
  if (!list) return;
  const params = new URLSearchParams();
  for (const control of document.querySelectorAll(`[data-target="${boxId}"]`)) {
    params.set(control.dataset.param, control.value);
  }
  if (page !== undefined) params.set(list.dataset.pageParam, page);
  const response = await fetch(`${list.dataset.source}?${params}`, { credentials: "same-origin" });
  if (!response.ok) return;
  box.innerHTML = await response.text();
  markSelection();
}

function markSelection() {
  for (const button of document.querySelectorAll("li.psa button.select")) {
    const row = button.closest("li");
    const id = row.dataset.psaId || row.dataset.productId;
    button.setAttribute("aria-pressed", selected && selected.id === id ? "true" : "false");
  }
  for (const button of document.querySelectorAll("button.map-selected")) {
    button.disabled = selected === null;
  }
}

// Maps the vendor row `row` to the PSA record `id` by submitting its form.
function mapTo(row, id) {
  const form = row.querySelector("form.map");
  const field = form.querySelector('input[name^="psa_"]');
  field.value = id;
  form.submit();
}

document.addEventListener("DOMContentLoaded", () => {
  let timer = null;
  for (const control of document.querySelectorAll("[data-target]")) {
    const event = control.tagName === "SELECT" ? "change" : "input";
    control.addEventListener(event, () => {
      clearTimeout(timer);
      timer = setTimeout(() => reload(control.dataset.target), 120);
    });
  }
  // Text typed before this script ran is searched for now.
  for (const control of document.querySelectorAll('input[type="search"][data-target]')) {
    if (control.value) reload(control.dataset.target);
  }
  markSelection();
  watchSync();
});

document.addEventListener("click", (event) => {
  const target = event.target;
  if (!(target instanceof HTMLElement)) return;
  if (target.matches("button.page")) {
    reload(target.closest(".box").id, target.dataset.page);
  } else if (target.matches("li.psa button.select")) {
    const row = target.closest("li");
    selected = { id: row.dataset.psaId || row.dataset.productId, name: row.dataset.name };
    say(`Selected ${selected.name} (${selected.id}): press Map selected here on a vendor row.`);
    markSelection();
  } else if (target.matches("button.map-selected") && selected) {
    const form = target.closest("form");
    form.querySelector('input[name^="psa_"]').value = selected.id;
  }
});

document.addEventListener("dragstart", (event) => {
  const row = event.target instanceof HTMLElement && event.target.closest("li.psa");
  if (!row) return;
  event.dataTransfer.setData("text/plain", row.dataset.psaId || row.dataset.productId);
  event.dataTransfer.effectAllowed = "link";
});

document.addEventListener("dragover", (event) => {
  const row = event.target instanceof HTMLElement && event.target.closest("li.drop");
  if (row) {
    event.preventDefault();
    row.classList.add("over");
  }
});

document.addEventListener("dragleave", (event) => {
  const row = event.target instanceof HTMLElement && event.target.closest("li.drop");
  if (row) row.classList.remove("over");
});

document.addEventListener("drop", (event) => {
  const row = event.target instanceof HTMLElement && event.target.closest("li.drop");
  if (!row) return;
  event.preventDefault();
  const id = event.dataTransfer.getData("text/plain");
  if (id) mapTo(row, id);
});

// Polls the running sync's progress until it ends, then lights up Refresh.
function watchSync() {
  const status = document.getElementById("sync-status");
  if (!status || status.dataset.running !== "true") return;
  const tick = async () => {
    const response = await fetch("/sync/status.json", { credentials: "same-origin" });
    if (!response.ok) return;
    const progress = await response.json();
    status.querySelector(".text").textContent = progress.text;
    if (progress.running) {
      setTimeout(tick, 250);
      return;
    }
    status.dataset.running = "false";
    const spinner = status.querySelector(".spinner");
    if (spinner) spinner.remove();
    document.getElementById("cancel").disabled = true;
    document.getElementById("refresh").disabled = false;
  };
  setTimeout(tick, 250);
}
