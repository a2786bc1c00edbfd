/* The capture page (docs/offline.md): forms saved to the device's encrypted store, a queue
   sent through the JSON API with each entry's Idempotency-Key when a connection is there,
   per-entry errors, and per-field conflicts of corrections for the counsellor to resolve.
   Every word shown comes from the server (#words). Plain script, no framework. */
"use strict";
(() => {
  const $ = (selector) => document.querySelector(selector);
  const page = document.body.dataset;
  const words = JSON.parse($("#words").textContent);
  const lang = document.documentElement.lang || "en";
  const numbers = new Intl.NumberFormat(lang);
  const KEEP_SENT_MS = 24 * 3600 * 1000;
  let key = null, meta = null, device = null, codes = null;
  let sending = false, backoff = 2000, timer = null;
  const ids = new Map(); // client code or id typed -> server id

  const say = (text, values = {}) => Object.entries(values)
    .reduce((shown, [name, value]) => shown.replace("{" + name + "}", value), text);
  const show = (element, on) => { element.hidden = !on; };
  const canonical = (code) => code.toUpperCase().replace(/[\s\-_.]/g, "")
    .replace(/[IL]/g, "1").replace(/O/g, "0");
  const today = () => new Date().toISOString().slice(0, 10);

  function notice(text) { $("#notice").textContent = text || ""; show($("#notice"), !!text); }

  function network() {
    $("#net").textContent = navigator.onLine ? words.online : words.offline;
    $("#net").classList.toggle("offline", !navigator.onLine);
  }

  /* --- the device: set up, unlock, log out ------------------------------------------ */

  async function serverState() {
    const response = await fetch(page.state, {credentials: "same-origin", headers: {Accept: "application/json"}});
    if (!response.ok || response.redirected || !response.headers.get("Content-Type").includes("json")) return null;
    return response.json();
  }

  async function setUp(password) {
    const state = await serverState().catch(() => null);
    if (!state) return words.needLogin;
    const before = await Store.meta();
    if (before && before.user !== state.user && await Store.count() > 0) return words.otherUser;
    const response = await fetch(page.device, {
      method: "POST", credentials: "same-origin",
      headers: {"X-CSRFToken": state.csrf}, body: new URLSearchParams({password})});
    if (response.status === 403) return words.wrongPassword;
    if (!response.ok) return words.needLogin;
    const issued = await response.json();
    const derived = await Store.derive(password, issued.salt, issued.iterations);
    const old = await Store.meta();
    // The same user's entries kept from an earlier device stay readable: same salt, same key.
    const kept = old && old.user === issued.user && await Store.opens(derived, old.check) ? old : null;
    const used = kept ? (await Store.unseal(derived, kept.codes)).used : [];
    meta = {user: issued.user, salt: issued.salt, iterations: issued.iterations,
            check: await Store.check(derived),
            token: await Store.seal(derived, {token: issued.token, id: issued.token_id, expires: issued.expires_at}),
            codes: await Store.seal(derived, {codes: issued.codes, used})};
    await Store.saveMeta(meta);
    await Store.saveKey(derived);
    return null;
  }

  async function unlock(password) {
    const derived = await Store.derive(password, meta.salt, meta.iterations);
    if (!(await Store.opens(derived, meta.check))) return words.wrongPassword;
    await Store.saveKey(derived);
    return null;
  }

  async function askPassword() {
    meta = await Store.meta();
    show($("#work"), false);
    show($("#logout"), false);
    $("#password-why").textContent = meta ? words.unlock : words.setUp;
    show($("#password-form"), true);
    await banner();
  }

  $("#password-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const field = $("#password");
    $("#password-error").textContent = "";
    if (!field.value) { $("#password-error").textContent = words.required; return; }
    const problem = meta ? await unlock(field.value) : await setUp(field.value);
    field.value = "";
    if (problem) { $("#password-error").textContent = problem; return; }
    show($("#password-form"), false);
    start();
  });

  $("#logout").addEventListener("click", async () => {
    await Store.forgetKey();
    key = device = codes = null;
    const state = navigator.onLine ? await serverState().catch(() => null) : null;
    if (!state) { askPassword(); return; }
    const form = document.createElement("form");
    form.method = "post";
    form.action = page.logout;
    const csrf = Object.assign(document.createElement("input"), {type: "hidden", name: "csrf_token", value: state.csrf});
    form.append(csrf);
    document.body.append(form);
    form.submit();
  });

  async function start() {
    key = await Store.key();
    meta = await Store.meta();
    if (!key || !meta) { askPassword(); return; }
    device = await Store.unseal(key, meta.token);
    codes = await Store.unseal(key, meta.codes);
    show($("#work"), true);
    show($("#logout"), true);
    for (const entry of await Store.entries(key)) {
      if (entry.state === "sent" && Date.now() - entry.sentAt > KEEP_SENT_MS) await Store.removeEntry(entry.id);
    }
    notice(say(words.deviceUntil, {date: new Date(device.expires).toLocaleDateString(lang)}));
    await render();
    flush();
  }

  /* --- client codes of the device's block ------------------------------------------- */

  const unusedCodes = () => codes.codes.filter((code) => !codes.used.includes(code));
  const nextCode = () => unusedCodes()[0] || null;

  async function saveCodes() {
    meta.codes = await Store.seal(key, codes);
    await Store.saveMeta(meta);
    showCodes();
  }

  function showCodes() {
    const next = nextCode();
    $("#code-next").textContent = next ? say(words.codesLeft, {count: numbers.format(
      unusedCodes().length)}) : words.noCode;
  }

  async function refillCodes() {
    const state = await serverState().catch(() => null);
    if (!state) return;
    const response = await fetch(page.codes, {
      method: "POST", credentials: "same-origin",
      headers: {"X-CSRFToken": state.csrf}, body: new URLSearchParams({device: device.id})});
    if (!response.ok) return;
    codes.codes = (await response.json()).codes;
    await saveCodes();
  }

  /* --- the forms: each saved as an entry with its own Idempotency-Key ---------------- */

  // A number field's digits are sent as a number; anything else as typed, for the server to refuse.
  const number = (element) => {
    const text = element.value.trim();
    return "number" in element.dataset && /^\d+$/.test(text) ? Number(text) : text;
  };

  function values(form) {
    const body = {};
    for (const element of form.elements) {
      if (!element.name || element.tagName === "BUTTON" || element.tagName === "FIELDSET") continue;
      if (element.type !== "checkbox") body[element.name] = number(element);
      else if (element.value === "on") body[element.name] = element.checked;  // a single box
      else {
        body[element.name] = body[element.name] || [];
        if (element.checked) body[element.name].push(element.value);
      }
    }
    return body;
  }

  function checked(form) {
    let good = true;
    for (const output of form.querySelectorAll("output.error")) output.textContent = "";
    for (const element of form.querySelectorAll("[required]")) {
      if (!element.value.trim()) {
        good = false;
        const output = form.querySelector(`output[data-for="${element.name}"]`);
        if (output) output.textContent = words.required;
      }
    }
    if (!good) notice(words.required);
    return good;
  }

  function clean(body) {
    const out = {};
    for (const [name, value] of Object.entries(body)) {
      if (value === "" || value === false) continue;
      out[name] = value;
    }
    return out;
  }

  let loaded = null; // the session being corrected: {id, etag, base}

  async function entryFor(kind, form) {
    const body = values(form);
    if (kind === "client") {
      const code = nextCode();
      if (!code) { notice(words.noCode); return null; }
      codes.used.push(code);
      await saveCodes();
      return {kind, body: {...clean(body), code}, code};
    }
    if (kind === "session") {
      const {client, ...rest} = body;
      return {kind, client, body: clean(rest)};
    }
    if (kind === "event") {
      // The leaflet lines (leaflets-<n>-<field>) become the API's list of those filled in.
      const rows = {}, rest = {};
      for (const [name, value] of Object.entries(body)) {
        const part = /^leaflets-(\d+)-(\w+)$/.exec(name);
        if (!part) rest[name] = value;
        else if (value !== "") (rows[part[1]] = rows[part[1]] || {})[part[2]] = value;
      }
      const leaflets = Object.values(rows);
      return {kind, body: {...clean(rest), ...(leaflets.length ? {leaflets} : {})}};
    }
    if (kind === "attempt") {
      const {client, wave, ...rest} = body;
      return {kind, client, wave: Number(wave), body: clean(rest)};
    }
    if (!loaded) { form.querySelector('output[data-for="session"]').textContent = words.loadFailed; return null; }
    const {session, reason, ...rest} = body;
    const changes = {};
    for (const [name, value] of Object.entries(rest)) {
      if (String(value) === String(loaded.base[name] ?? "")) continue;
      changes[name] = name === "duration_minutes" ? (value === "" ? null : Number(value)) : value;
    }
    const entry = {kind, session: loaded.id, etag: loaded.etag, reason, changes, base: loaded.base};
    loaded = null;
    $("#correction-fields").disabled = true;
    return entry;
  }

  for (const form of document.querySelectorAll("form[data-kind]")) {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (!key || !checked(form)) return;
      const entry = await entryFor(form.dataset.kind, form);
      if (!entry) return;
      await Store.saveEntry(key, {...entry, id: crypto.randomUUID(), seq: Date.now() + Math.random(),
        state: "waiting", savedAt: Date.now()});
      const keep = form.dataset.kind === "session" || form.dataset.kind === "attempt" ? form.querySelector("[name=client]").value : null;
      form.reset();
      if (keep !== null) form.querySelector("[name=client]").value = keep;
      fillDefaults();
      notice(entry.code ? say(words.newCode, {code: entry.code.slice(0, 4) + "-" + entry.code.slice(4)}) : words.saved);
      await render();
      flush();
    });
  }

  for (const tab of document.querySelectorAll("#tabs button")) {
    tab.addEventListener("click", () => {
      for (const other of document.querySelectorAll("#tabs button")) other.setAttribute("aria-pressed", String(other === tab));
      for (const form of document.querySelectorAll("form[data-kind]")) show(form, form.dataset.kind === tab.dataset.tab);
    });
  }

  function fillDefaults() {
    for (const input of document.querySelectorAll("input[data-today]")) if (!input.value) input.value = today();
  }

  $("#load-session").addEventListener("click", async () => {
    const form = $("#form-correction");
    const output = form.querySelector('output[data-for="session"]');
    output.textContent = "";
    const id = form.elements.session.value.trim();
    const response = /^\d+$/.test(id) ? await api("GET", `/sessions/${id}`).catch(() => null) : null;
    const record = response && response.ok ? await response.json() : null;
    if (!record || record.deleted) { output.textContent = words.loadFailed; return; }
    const base = {};
    for (const element of $("#correction-fields").elements) {
      if (!element.name || element.name === "reason") continue;
      base[element.name] = record[element.name] ?? null;
      element.value = record[element.name] ?? "";
    }
    loaded = {id: Number(id), etag: response.headers.get("ETag"), base};
    $("#correction-fields").disabled = false;
    notice(words.loaded);
  });

  /* --- sending ------------------------------------------------------------------------ */

  function api(method, path, body, headers = {}) {
    return fetch(page.api + path, {
      method, credentials: "omit", cache: "no-store",
      headers: {Authorization: "Bearer " + device.token, "Accept-Language": lang, Accept: "application/json",
        ...(body === undefined ? {} : {"Content-Type": "application/json"}), ...headers},
      body: body === undefined ? undefined : JSON.stringify(body)});
  }

  class Offline extends Error {}
  class Expired extends Error {}

  async function reply(response) {
    if (response.status === 401) throw new Expired();
    if (response.status >= 500 || response.status === 429 || response.status === 408) throw new Offline(String(response.status));
    const type = response.headers.get("Content-Type") || "";
    return {status: response.status, ok: response.ok, etag: response.headers.get("ETag"),
      body: type.includes("json") ? await response.json() : {}};
  }

  async function call(method, path, body, headers) {
    let response;
    try { response = await api(method, path, body, headers); } catch (error) { throw new Offline(""); }
    return reply(response);
  }

  async function clientId(typed, entries) {
    const text = String(typed || "").trim();
    const local = entries.find((e) => e.kind === "client" && e.code === canonical(text));
    if (local) {
      if (local.state === "sent") return local.serverId;
      return {problem: words.clientNotSent};
    }
    if (/^\d+$/.test(text)) return Number(text);
    if (ids.has(canonical(text))) return ids.get(canonical(text));
    const found = await call("POST", "/clients/search", {code: text});
    const id = found.ok && found.body.items && found.body.items.length ? found.body.items[0].id : null;
    if (!id) return {problem: words.noClient};
    ids.set(canonical(text), id);
    return id;
  }

  async function followupId(client, wave) {
    const found = await call("GET", `/clients/${client}/followups`);
    const match = found.ok ? (found.body.items || []).find((f) => f.wave === wave && f.status === "pending") : null;
    return match ? match.id : null;
  }

  function refusal(result) {
    const errors = result.body.errors || {};
    return {state: "refused", status: result.status, title: result.body.title || "", errors};
  }

  const CREATED_AT = {client: "/clients", event: "/outreach/events"};

  async function deliver(entry, entries) {
    const key = {"Idempotency-Key": entry.id};
    if (entry.kind in CREATED_AT) {
      const result = await call("POST", CREATED_AT[entry.kind], entry.body, key);
      return result.ok ? {state: "sent", serverId: result.body.id} : refusal(result);
    }
    if (entry.kind === "session" || entry.kind === "attempt") {
      const client = await clientId(entry.client, entries);
      if (typeof client === "object") return {state: "refused", title: client.problem, errors: {}};
      let path = `/clients/${client}/sessions`;
      if (entry.kind === "attempt") {
        const wave = await followupId(client, entry.wave);
        if (!wave) return {state: "refused", title: words.noWave, errors: {}};
        path = `/followups/${wave}/attempts`;
      }
      const result = await call("POST", path, entry.body, key);
      return result.ok ? {state: "sent"} : refusal(result);
    }
    const result = await call("PATCH", `/sessions/${entry.session}`,
      {reason: entry.reason, changes: entry.changes, base: entry.base}, {"If-Match": entry.etag || "*"});
    if (result.status === 409 && result.body.conflicts) {
      return {state: "conflict", conflicts: result.body.conflicts, etag: result.etag};
    }
    return result.ok ? {state: "sent"} : refusal(result);
  }

  async function flush() {
    clearTimeout(timer);
    if (sending || !key || !device) return;
    sending = true;
    let retry = false;
    try {
      const entries = await Store.entries(key);
      for (const entry of entries) {
        if (entry.state !== "waiting") continue;
        if (!navigator.onLine) { retry = true; break; }
        Object.assign(entry, await deliver(entry, entries));
        if (entry.state === "sent") entry.sentAt = Date.now();
        await Store.saveEntry(key, entry);
        await render(entries);
      }
      backoff = 2000;
      if (navigator.onLine && unusedCodes().length < Number(page.refillBelow)) await refillCodes().catch(() => null);
    } catch (error) {
      retry = true;
      if (error instanceof Expired) notice(words.deviceExpired);
      else if (error instanceof Offline && error.message) notice(say(words.failed, {status: error.message}));
      backoff = Math.min(backoff * 2, 5 * 60 * 1000);
    } finally {
      sending = false;
    }
    await render();
    const pending = (await Store.entries(key)).some((e) => e.state === "waiting");
    if (retry || pending) timer = setTimeout(flush, backoff);
  }

  /* --- the list of entries ------------------------------------------------------------ */

  const KIND = {};
  for (const tab of document.querySelectorAll("#tabs button")) KIND[tab.dataset.tab] = tab.textContent;
  const shown = (value) => Array.isArray(value) ? value.join(", ") : value === null || value === undefined ? "—" : String(value);

  function element(tag, text, attributes = {}) {
    const made = Object.assign(document.createElement(tag), attributes);
    if (text !== undefined) made.textContent = text;
    return made;
  }

  function summary(entry) {
    if (entry.kind === "client") return entry.code.slice(0, 4) + "-" + entry.code.slice(4);
    if (entry.kind === "correction") return "#" + entry.session;
    if (entry.kind === "event") {
      const type = $(`#event-type option[value="${CSS.escape(entry.body.type)}"]`);
      return (type ? type.textContent : entry.body.type) + " · " + shown(entry.body.date);
    }
    return shown(entry.client) + " · " + shown(entry.body.date);
  }

  function conflictTable(entry) {
    const box = element("div", undefined, {className: "conflict"});
    box.append(element("p", words.chooseValues));
    const table = element("table");
    const head = element("tr");
    for (const text of ["", words.yours, words.theirs, words.base]) head.append(element("th", text));
    table.append(head);
    entry.conflicts.forEach((conflict, n) => {
      const row = element("tr");
      row.append(element("th", conflict.field));
      for (const side of ["yours", "theirs"]) {
        const cell = element("td");
        const label = element("label");
        label.append(element("input", undefined, {type: "radio", name: `${entry.id}-${n}`, value: side, checked: side === "yours"}),
          document.createTextNode(" " + shown(conflict[side])));
        cell.append(label);
        row.append(cell);
      }
      row.append(element("td", shown(conflict.base)));
      table.append(row);
    });
    box.append(table);
    const keep = element("button", words.keepChosen, {type: "button", className: "resolve"});
    keep.addEventListener("click", async () => {
      const changes = {...entry.changes}, base = {...entry.base};
      entry.conflicts.forEach((conflict, n) => {
        const side = box.querySelector(`input[name="${entry.id}-${n}"]:checked`).value;
        base[conflict.field] = conflict.theirs;
        if (side === "yours") changes[conflict.field] = conflict.yours; else delete changes[conflict.field];
      });
      Object.assign(entry, {changes, base, state: "waiting", conflicts: null});
      await Store.saveEntry(key, entry);
      await render();
      flush();
    });
    box.append(keep);
    return box;
  }

  async function render(given) {
    if (!key) return;
    const entries = given || await Store.entries(key);
    const list = $("#entries");
    list.replaceChildren();
    const datalist = $("#local-clients");
    datalist.replaceChildren();
    for (const entry of entries.slice().reverse()) {
      if (entry.kind === "client") datalist.append(element("option", undefined, {value: summary(entry)}));
      const item = element("li", undefined);
      item.dataset.state = entry.state;
      item.dataset.id = entry.id;
      item.append(element("span", KIND[entry.kind] + " · "), element("bdi", summary(entry)),
        element("span", words[entry.state === "waiting" ? "waiting" : entry.state], {className: "state"}));
      if (entry.state === "refused") {
        const problems = element("ul", undefined, {className: "error"});
        if (entry.title) problems.append(element("li", entry.title));
        for (const [field, message] of Object.entries(entry.errors || {})) problems.append(element("li", field + ": " + message));
        item.append(problems);
        const drop = element("button", words.remove, {type: "button"});
        drop.addEventListener("click", async () => { await Store.removeEntry(entry.id); render(); });
        item.append(drop);
      }
      if (entry.state === "conflict") item.append(conflictTable(entry));
      list.append(item);
    }
    if (!entries.length) list.append(element("li", words.nothing));
    await banner(entries);
  }

  async function banner(entries) {
    const waiting = entries ? entries.filter((e) => e.state !== "sent").length : await Store.count();
    const text = !key && waiting ? say(words.locked, {count: numbers.format(waiting)})
      : waiting ? say(words.pending, {count: numbers.format(waiting)}) : "";
    $("#banner").textContent = text;
    $("#banner").dataset.count = String(waiting);
    show($("#banner"), !!text);
    if (key && codes) showCodes();
  }

  /* --- the page opens ---------------------------------------------------------------- */

  window.addEventListener("online", () => { network(); backoff = 2000; flush(); });
  window.addEventListener("offline", network);
  network();
  fillDefaults();
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(page.sw, {scope: page.scope}).catch(() => null);
  }
  if (navigator.storage && navigator.storage.persist) {
    navigator.storage.persist().then((granted) => { if (!granted) $("#banner").after(element("p", words.persistFailed, {className: "notice", id: "persist"})); });
  }
  start().catch(() => askPassword());
})();
