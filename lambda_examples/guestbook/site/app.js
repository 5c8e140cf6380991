// Guestbook client: lists, posts and deletes messages through /api/messages on this origin.
// No build step and no libraries. User content only ever reaches the page via textContent.
"use strict";

(() => {
  const API = "/api/messages";
  const LIMITS = { name: 50, text: 500 }; // the same as FIELD_LIMITS in app.py
  const PAGE_SIZE = 20;
  const RETRY_DELAYS_MS = [500, 1500]; // for network errors, 5xx and a key still in progress
  const TOKENS_KEY = "guestbook.deleteTokens";

  const form = document.getElementById("message-form");
  const inputs = { name: document.getElementById("name"), text: document.getElementById("text") };
  const counts = { name: document.getElementById("name-count"), text: document.getElementById("text-count") };
  const submitButton = document.getElementById("submit");
  const formStatus = document.getElementById("form-status");
  const list = document.getElementById("messages");
  const listStatus = document.getElementById("list-status");
  const listHeading = document.getElementById("messages-heading");
  const loadMoreButton = document.getElementById("load-more");

  let nextCursor = null;
  const shownIds = new Set();
  // The submission not yet acknowledged: retrying the same message reuses its Idempotency-Key,
  // so the server stores it once however many times it is sent.
  let pending = null;

  // --- Delete tokens: kept in this browser only, for the messages posted from it ---

  const tokens = readTokens();

  function readTokens() {
    try {
      const stored = JSON.parse(localStorage.getItem(TOKENS_KEY));
      return stored && typeof stored === "object" ? stored : {};
    } catch {
      return {}; // storage disabled or corrupt: start empty
    }
  }

  function saveTokens() {
    try {
      localStorage.setItem(TOKENS_KEY, JSON.stringify(tokens));
    } catch {
      // Storage full or disabled: the tokens still work until the page is closed.
    }
  }

  // --- Talking to the API ---

  class ApiError extends Error {
    constructor(status, code, message) {
      super(message);
      this.status = status;
      this.code = code;
    }
  }

  async function request(method, url, { body, headers = {} } = {}) {
    let response;
    try {
      response = await fetch(url, {
        method,
        body,
        headers: { Accept: "application/json", ...headers },
        credentials: "same-origin",
        cache: "no-store",
      });
    } catch {
      throw new ApiError(0, "network", "Could not reach the guestbook. Check your connection and try again.");
    }
    if (response.status === 204) return null;
    let payload = null;
    try {
      payload = await response.json();
    } catch {
      // Not JSON, for example an error page from CloudFront.
    }
    if (!response.ok) {
      const error = (payload && payload.error) || {};
      throw new ApiError(response.status, error.code || `http_${response.status}`,
        error.message || `The server answered ${response.status}. Try again in a moment.`);
    }
    return payload;
  }

  function shouldRetry(error) {
    return error.status === 0 || error.status >= 500 || error.code === "idempotency_in_progress";
  }

  // The API accepts only a random (version 4) UUID: a key nobody else can guess, since whoever
  // replays it soon after gets this message's delete token.
  function newIdempotencyKey() {
    if (crypto.randomUUID) return crypto.randomUUID();
    // randomUUID needs a secure context (https or localhost); build a version 4 UUID instead.
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  async function postMessage(message) {
    const body = JSON.stringify(message);
    if (!pending || pending.body !== body) pending = { key: newIdempotencyKey(), body };
    const headers = { "Content-Type": "application/json", "Idempotency-Key": pending.key };
    for (let attempt = 0; ; attempt += 1) {
      try {
        const created = await request("POST", API, { body, headers });
        pending = null;
        return created;
      } catch (error) {
        if (!shouldRetry(error) || attempt >= RETRY_DELAYS_MS.length) throw error;
        await new Promise((resolve) => setTimeout(resolve, RETRY_DELAYS_MS[attempt]));
      }
    }
  }

  // --- Showing messages ---

  function formatDate(isoTimestamp) {
    const date = new Date(isoTimestamp);
    if (Number.isNaN(date.getTime())) return String(isoTimestamp);
    return date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
  }

  function renderMessage(message) {
    const item = document.createElement("li");
    item.dataset.id = message.id;

    const header = document.createElement("div");
    header.className = "message-header";
    const name = document.createElement("strong");
    name.textContent = message.name;
    const time = document.createElement("time");
    time.dateTime = message.created_at;
    time.textContent = formatDate(message.created_at);
    header.append(name, time);

    if (tokens[message.id]) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "secondary";
      button.textContent = "Delete";
      button.setAttribute("aria-label", `Delete your message from ${time.textContent}`);
      button.addEventListener("click", () => deleteMessage(message.id, item, button));
      header.append(button);
    }

    const text = document.createElement("p");
    text.className = "message-text";
    text.textContent = message.text;
    item.append(header, text);
    return item;
  }

  function setStatus(element, message, kind = "") {
    element.textContent = message;
    element.className = `status ${kind}`.trim();
  }

  function showEmptyState(prefix = "") {
    if (list.children.length === 0) {
      setStatus(listStatus, `${prefix}No messages yet. Be the first!`.trim());
    }
  }

  async function loadPage() {
    const firstPage = nextCursor === null;
    loadMoreButton.disabled = true;
    setStatus(listStatus, firstPage ? "Loading messages…" : "Loading more messages…");
    const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (!firstPage) query.set("cursor", nextCursor);
    try {
      const page = await request("GET", `${API}?${query}`);
      let added = 0;
      for (const message of page.messages) {
        if (shownIds.has(message.id)) continue;
        shownIds.add(message.id);
        list.append(renderMessage(message));
        added += 1;
      }
      nextCursor = page.next_cursor;
      loadMoreButton.textContent = "Load more";
      loadMoreButton.hidden = !nextCursor;
      setStatus(listStatus, firstPage ? "" : `Loaded ${added} more messages.`);
      showEmptyState();
    } catch (error) {
      setStatus(listStatus, error.message, "error");
      loadMoreButton.textContent = "Try again";
      loadMoreButton.hidden = false;
    } finally {
      loadMoreButton.disabled = false;
    }
  }

  async function deleteMessage(id, item, button) {
    button.disabled = true;
    let outcome;
    try {
      await request("DELETE", `${API}/${encodeURIComponent(id)}`, {
        headers: { "X-Delete-Token": tokens[id] },
      });
      outcome = "Message deleted.";
    } catch (error) {
      if (error.status !== 404) {
        setStatus(listStatus, error.message, "error");
        button.disabled = false;
        return;
      }
      outcome = "That message was already deleted.";
    }
    delete tokens[id];
    saveTokens();
    shownIds.delete(id);
    item.remove();
    listHeading.focus(); // the focused button is gone; keep keyboard users in the list
    // Say what happened, even when the list is now empty (the empty note must not replace it).
    setStatus(listStatus, outcome, outcome === "Message deleted." ? "success" : "");
    showEmptyState(`${outcome} `);
  }

  // --- The form: the same checks as the server, so most mistakes never leave the browser ---

  function length(value) {
    return [...value].length; // code points, as Python's len() counts them
  }

  function updateCount(field) {
    const used = length(inputs[field].value.trim());
    counts[field].textContent = `${used} / ${LIMITS[field]}`;
    counts[field].classList.toggle("over", used > LIMITS[field]);
  }

  function firstProblem(message) {
    for (const field of Object.keys(LIMITS)) {
      const used = length(message[field]);
      const label = field === "name" ? "Name" : "Message";
      if (used === 0) return { field, text: `${label} is required.` };
      if (used > LIMITS[field]) {
        return { field, text: `${label} must be at most ${LIMITS[field]} characters; it is ${used}.` };
      }
    }
    return null;
  }

  for (const field of Object.keys(inputs)) {
    inputs[field].addEventListener("input", () => {
      updateCount(field);
      inputs[field].removeAttribute("aria-invalid");
    });
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const message = { name: inputs.name.value.trim(), text: inputs.text.value.trim() };
    const problem = firstProblem(message);
    if (problem) {
      inputs[problem.field].setAttribute("aria-invalid", "true");
      inputs[problem.field].focus();
      setStatus(formStatus, problem.text, "error");
      return;
    }
    submitButton.disabled = true;
    setStatus(formStatus, "Posting…");
    try {
      const created = await postMessage(message);
      if (created.delete_token) {
        tokens[created.id] = created.delete_token;
        saveTokens();
      }
      if (!shownIds.has(created.id)) {
        shownIds.add(created.id);
        list.prepend(renderMessage(created));
      }
      setStatus(listStatus, "");
      form.reset();
      updateCount("name");
      updateCount("text");
      setStatus(formStatus, "Posted. Only this browser can delete it.", "success");
    } catch (error) {
      setStatus(formStatus, error.message, "error");
    } finally {
      submitButton.disabled = false;
    }
  });

  loadMoreButton.addEventListener("click", loadPage);
  loadPage();
})();
