// The console's behaviour: live updates (server-sent events), bulk claim and assignment, case
// forms with their errors beside each field, sign-out and keyboard shortcuts. No framework.
"use strict";

const csrf = () => document.querySelector('meta[name="csrf-token"]').content;

async function post(url, body) {
  const response = await fetch(url, {
    method: "POST", credentials: "same-origin",
    headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf(), "Accept": "application/json"},
    body: JSON.stringify(body),
  });
  if (response.status === 401) { window.location.assign("/login?next=" + encodeURIComponent(location.pathname + location.search)); }
  let answer = {};
  try { answer = await response.json(); } catch (e) { answer = {}; }
  return {status: response.status, body: answer};
}

function announce(text) {
  const status = document.getElementById("live-status");
  if (status) { status.textContent = text; }
}

// -- Live: refetch what changed, without reloading the page ------------------------------------

let lastSeen = null;
let refreshing = null;
let again = false;

function asOf() {
  const marked = document.querySelector("[data-as-of]");
  return marked ? marked.dataset.asOf : null;
}

async function refresh() {
  if (refreshing) { again = true; return refreshing; }
  refreshing = (async () => {
    do {
      again = false;
      const rows = document.getElementById("queue-rows");
      const live = document.getElementById("case-live");
      if (rows) {
        const response = await fetch(rows.dataset.rowsUrl + location.search, {credentials: "same-origin"});
        if (response.ok) {
          const chosen = new Set([...document.querySelectorAll("input.select:checked")].map((box) => box.value));
          const focused = document.activeElement && document.activeElement.closest("tr[data-id]");
          rows.innerHTML = await response.text();
          document.querySelectorAll("input.select").forEach((box) => { box.checked = chosen.has(box.value); });
          if (focused) { choose(document.querySelector(`tr[data-id="${focused.dataset.id}"]`)); }
          wireQueue();
        }
      } else if (live) {
        const response = await fetch(live.dataset.liveUrl, {credentials: "same-origin"});
        if (response.ok) {
          const fresh = document.createElement("div");
          fresh.innerHTML = await response.text();
          fresh.querySelectorAll("[data-part]").forEach((part) => {
            const here = document.querySelector(`main [data-part="${part.dataset.part}"]`);
            if (here) { here.innerHTML = part.innerHTML; }
          });
          wireCase();
        }
      }
    } while (again);
    refreshing = null;
  })();
  return refreshing;
}

function follow() {
  if (!document.getElementById("queue-rows") && !document.getElementById("case-live")) { return; }
  const caseId = document.getElementById("case-live")?.dataset.id;
  const source = new EventSource("/live?after=" + encodeURIComponent(asOf() || "0"));
  source.onopen = () => announce("Live updates: on");
  source.onerror = () => announce("Live updates: reconnecting…");
  source.addEventListener("change", (event) => {
    lastSeen = event.lastEventId;
    const change = JSON.parse(event.data);
    if (caseId && change.inquiry_id !== caseId) { return; }
    refresh().then(() => {
      document.body.dataset.lastChange = lastSeen;
      announce("Live updates: on · updated " + new Date().toLocaleTimeString());
    });
  });
  // Business time left is counted by the server: refresh the figures every half minute.
  setInterval(refresh, 30000);
}

// -- Queues: selection, bulk claim and assignment ----------------------------------------------

function selectedIds() {
  return [...document.querySelectorAll("input.select:checked")].map((box) => box.value);
}

function countSelected() {
  const count = document.getElementById("selected-count");
  if (count) { count.textContent = selectedIds().length + " selected"; }
}

function wireQueue() {
  document.getElementById("select-all")?.addEventListener("change", (event) => {
    document.querySelectorAll("input.select").forEach((box) => { box.checked = event.target.checked; });
    countSelected();
  });
  document.querySelectorAll("input.select").forEach((box) => box.addEventListener("change", countSelected));
  countSelected();
}

function reportBulk(results, verb) {
  const done = results.filter((r) => r.ok).length;
  const refused = results.filter((r) => !r.ok);
  const reasons = [...new Set(refused.flatMap((r) => (r.errors || []).map((e) => e.reason)))];
  document.getElementById("bulk-result").textContent =
    `${done} ${verb}` + (refused.length ? `, ${refused.length} refused: ${reasons.join("; ")}` : ".");
}

async function bulk(url, extra, verb) {
  const ids = selectedIds();
  if (!ids.length) { document.getElementById("bulk-result").textContent = "Select cases first."; return; }
  const answer = await post(url, {ids, ...extra});
  if (answer.status === 200) { reportBulk(answer.body.results, verb); await refresh(); }
  else { document.getElementById("bulk-result").textContent = "Refused: " + ((answer.body.errors || []).map((e) => e.reason).join("; ") || answer.status); }
}

// -- Case forms --------------------------------------------------------------------------------

function showErrors(form, errors) {
  form.querySelectorAll(".field-error").forEach((p) => { p.textContent = ""; });
  form.querySelectorAll("[aria-invalid]").forEach((el) => el.removeAttribute("aria-invalid"));
  const general = [];
  for (const error of errors) {
    const name = (error.field || "").split(".").pop();
    const input = name && form.querySelector(`[name="${name}"]`);
    const slot = input && document.getElementById(input.id + "-error");
    if (slot) { slot.textContent = error.reason; input.setAttribute("aria-invalid", "true"); }
    else { general.push(error.reason); }
  }
  form.querySelector(".form-result").textContent = general.join("; ");
  form.querySelector("[aria-invalid]")?.focus();
}

function pageErrors(form) {
  const errors = [];
  for (const input of form.querySelectorAll("input, select, textarea")) {
    if (input.type === "hidden" || input.checkValidity()) { continue; }
    const reason = input.validity.valueMissing ? "is required"
      : input.validity.patternMismatch ? "is not in the expected form" : input.validationMessage;
    errors.push({field: input.name, reason});
  }
  return errors;
}

function wireForm(form) {
  if (form.dataset.wired) { return; }
  form.dataset.wired = "1";
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const errors = pageErrors(form);
    if (errors.length) { showErrors(form, errors); return; }
    form.dataset.key = form.dataset.key || crypto.randomUUID();  // a resubmission replays, not repeats
    const fields = {};
    new FormData(form).forEach((value, name) => { fields[name] = String(value); });
    const caseId = document.getElementById("case-live").dataset.id;
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const answer = await post(`/cases/${caseId}/actions/${form.dataset.action}`, {fields, key: form.dataset.key});
      if (answer.status === 200) {
        delete form.dataset.key;
        showErrors(form, []);
        form.querySelector(".form-result").textContent = "Recorded.";
        if (form.dataset.action !== "assignment") { form.reset(); }
        await refresh();
      } else {
        if (answer.status !== 422) { delete form.dataset.key; }
        showErrors(form, answer.body.errors || [{field: "", reason: "Refused (" + answer.status + ")"}]);
      }
    } finally { button.disabled = false; }
  });
}

async function claimCase() {
  const button = document.getElementById("claim-case");
  if (!button) { return; }
  const answer = await post(`/cases/${button.dataset.id}/actions/claim`, {fields: {}, key: crypto.randomUUID()});
  announce(answer.status === 200 ? "Claimed." : "Not claimed: " + (answer.body.errors || []).map((e) => e.reason).join("; "));
  await refresh();
}

function wireCase() {
  document.querySelectorAll("form.action").forEach(wireForm);
  document.getElementById("claim-case")?.addEventListener("click", claimCase);
}

// -- Care coordination forms: the console relays them; it answers where to go or what it refused --

async function sendCare(form) {
  const upload = form.classList.contains("care-upload");
  let response;
  if (upload) {
    const file = form.querySelector("input[type=file]").files[0];
    response = await fetch(form.dataset.post, {
      method: "POST", credentials: "same-origin", body: await file.arrayBuffer(),
      headers: {"Content-Type": "text/csv", "X-CSRF-Token": csrf(), "Accept": "application/json"},
    });
  } else {
    const fields = {};
    new FormData(form).forEach((value, name) => { fields[name] = String(value); });
    return post(form.dataset.post, {fields});
  }
  let body = {};
  try { body = await response.json(); } catch (e) { body = {}; }
  return {status: response.status, body};
}

function wireCareForm(form) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const errors = pageErrors(form);
    if (errors.length) { showErrors(form, errors); return; }
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const answer = await sendCare(form);
      if (answer.status === 200) {
        showErrors(form, []);
        if (answer.body.html) {
          form.querySelector(".upload-result").innerHTML = answer.body.html;
          form.querySelector(".form-result").textContent = "Sent.";
        } else if (answer.body.redirect) { location.assign(answer.body.redirect); }
        else { location.reload(); }
      } else {
        // A service down answers a problem without field errors: its detail says what happened.
        showErrors(form, answer.body.errors || [{field: "", reason: answer.body.detail || "Refused (" + answer.status + ")"}]);
      }
    } finally { button.disabled = false; }
  });
}

// -- Keyboard ----------------------------------------------------------------------------------

function rows() { return [...document.querySelectorAll("tr[data-id]")]; }

function choose(row) {
  if (!row) { return; }
  rows().forEach((r) => r.classList.remove("chosen"));
  row.classList.add("chosen");
  row.focus();
}

function chosen() { return document.querySelector("tr.chosen"); }

let pendingG = false;

function onKey(event) {
  const help = document.getElementById("help");
  if (event.key === "Escape" && help.open) { help.close(); return; }
  const typing = event.target.closest("input, textarea, select, [contenteditable]");
  if (typing || event.ctrlKey || event.metaKey || event.altKey) { return; }
  const list = rows();
  const at = list.indexOf(chosen());
  if (pendingG) {
    pendingG = false;
    if (event.key === "q") { location.assign("/queue"); }
    if (event.key === "m") { location.assign("/queue?queue=all&assignee=me"); }
    return;
  }
  switch (event.key) {
    case "?": help.open ? help.close() : help.showModal(); break;
    case "/": event.preventDefault(); document.getElementById("search-box").focus(); break;
    case "g": pendingG = true; break;
    case "j": choose(list[Math.min(at + 1, list.length - 1)]); break;
    case "k": choose(list[Math.max(at - 1, 0)]); break;
    case "o": case "Enter": if (chosen()) { location.assign(chosen().querySelector("a.case-link").href); } break;
    case "x": if (chosen()) { const box = chosen().querySelector("input.select"); if (box) { box.checked = !box.checked; countSelected(); } } break;
    case "c":
      if (document.getElementById("claim-case")) { claimCase(); }
      else if (document.getElementById("claim-selected")) {
        if (!selectedIds().length && chosen()) { const box = chosen().querySelector("input.select"); if (box) { box.checked = true; } }
        bulk("/queue/claim", {}, "claimed");
      }
      break;
    case "u": event.preventDefault(); document.querySelector("#form-update textarea")?.focus(); break;
    case "a": event.preventDefault(); document.querySelector("#form-contact-attempt select")?.focus(); break;
    default: return;
  }
}

// -- Start -------------------------------------------------------------------------------------

document.addEventListener("DOMContentLoaded", () => {
  wireQueue();
  wireCase();
  document.querySelectorAll("form.care-form, form.care-upload").forEach(wireCareForm);
  document.getElementById("claim-selected")?.addEventListener("click", () => bulk("/queue/claim", {}, "claimed"));
  document.getElementById("assign-selected")?.addEventListener("click", () => {
    const to = document.getElementById("assign-to").value;
    bulk("/queue/assign", {assignee: to || null}, to ? "assigned" : "released");
  });
  document.getElementById("help-button")?.addEventListener("click", () => document.getElementById("help").showModal());
  document.getElementById("help-close")?.addEventListener("click", () => document.getElementById("help").close());
  document.getElementById("sign-out")?.addEventListener("click", async () => {
    const answer = await post("/logout", {});
    location.assign(answer.body.redirect || "/signed-out");
  });
  document.addEventListener("keydown", onKey);
  follow();
});
