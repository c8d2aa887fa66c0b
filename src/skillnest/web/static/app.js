// skillnest pages: CSRF header for htmx, the live event stream, chats.
// Served as a file (the Content-Security-Policy allows no inline script).
"use strict";

(function () {
  document.documentElement.classList.add("js");
  const csrf = () => document.querySelector('meta[name="csrf-token"]').content;

  // Every htmx request carries the CSRF token in a header.
  document.addEventListener("htmx:configRequest", (event) => {
    event.detail.headers["X-CSRF-Token"] = csrf();
  });

  // A form sent by htmx is cleared once the server accepted it.
  document.addEventListener("htmx:afterRequest", (event) => {
    const form = event.detail.elt;
    if (event.detail.successful && form instanceof HTMLFormElement && form.dataset.reset !== undefined) {
      form.reset();
      const first = form.querySelector("textarea, input:not([type=hidden])");
      if (first) first.focus();
    }
  });

  // A refused htmx request says why instead of failing silently.
  document.addEventListener("htmx:responseError", (event) => {
    const xhr = event.detail.xhr;
    announce(xhr.status === 403 ? "This form has expired. Reload the page." : `Not sent (error ${xhr.status}).`);
  });

  function announce(text) {
    const status = document.getElementById("live-status");
    if (status) status.textContent = text;
  }

  function setBadge(name, value) {
    for (const badge of document.querySelectorAll(`[data-badge="${name}"]`)) {
      const count = Math.max(0, value);
      badge.firstChild.nodeValue = String(count);
      badge.hidden = count === 0;
    }
  }

  function badgeValue(name) {
    const badge = document.querySelector(`[data-badge="${name}"]`);
    return badge ? parseInt(badge.firstChild.nodeValue, 10) || 0 : 0;
  }

  async function post(url) {
    const response = await fetch(url, {
      method: "POST",
      headers: { "X-CSRF-Token": csrf(), Accept: "application/json" },
      credentials: "same-origin",
    });
    return response.ok ? response.json() : null;
  }

  // --- chats -------------------------------------------------------------------------
  const chat = document.querySelector("[data-chat]");
  const viewer = document.body.dataset.viewer;

  function messageElement(message) {
    const item = document.createElement("li");
    item.id = `message-${message.id}`;
    item.dataset.sender = String(message.sender_id);
    item.className = String(message.sender_id) === viewer ? "mine" : "theirs";
    item.append(document.createTextNode(message.content)); // text, never markup
    const meta = document.createElement("span");
    meta.className = "meta";
    meta.textContent = new Date(message.timestamp).toISOString().slice(0, 16).replace("T", " ") + " UTC";
    item.append(meta);
    return item;
  }

  async function markChatRead() {
    if (!chat || document.visibilityState !== "visible") return;
    const result = await post(`/exchange/chats/${chat.dataset.chat}/read`);
    if (result) setBadge("unread", result.unread);
  }

  function onMessage(message) {
    if (chat && String(message.chat_id) === chat.dataset.chat) {
      const list = chat.querySelector(".messages");
      if (!document.getElementById(`message-${message.id}`)) {
        list.append(messageElement(message));
        list.scrollTop = list.scrollHeight;
        announce("New message");
      }
      markChatRead();
      return;
    }
    setBadge("unread", badgeValue("unread") + 1);
    const row = document.querySelector(`[data-chat-row="${message.chat_id}"]`);
    if (row) {
      const badge = row.querySelector(".badge");
      const count = (parseInt(badge.firstChild.nodeValue, 10) || 0) + 1;
      badge.firstChild.nodeValue = String(count);
      badge.hidden = false;
      const last = row.querySelector("[data-last]");
      if (last) last.textContent = message.content;
    }
    announce("New message");
  }

  function onRead(data) {
    if (chat && String(data.chat_id) === chat.dataset.chat && String(data.reader_id) !== viewer) {
      const state = chat.querySelector("[data-read-state]");
      if (state) state.textContent = "Read";
    }
  }

  if (chat) {
    const list = chat.querySelector(".messages");
    list.scrollTop = list.scrollHeight;
    document.addEventListener("visibilitychange", markChatRead);
    markChatRead();
    // A message sent from this page is appended by htmx; keep the read marker honest.
    document.addEventListener("htmx:afterSwap", () => {
      const state = chat.querySelector("[data-read-state]");
      if (state) state.textContent = "Sent";
      list.scrollTop = list.scrollHeight;
    });
  }

  // --- the live stream ---------------------------------------------------------------
  // Page scripts loaded after this one subscribe with skillnest.on("event.type", fn).
  const url = document.body.dataset.live;
  const source = url && window.EventSource ? new EventSource(url) : null;

  function on(kind, handler) {
    if (source) source.addEventListener(kind, (event) => handler(JSON.parse(event.data)));
  }

  window.skillnest = { on, post, csrf, announce, setBadge, badgeValue };
  if (source) {
    source.addEventListener("ready", () => { document.body.dataset.liveReady = "1"; });
    window.addEventListener("pagehide", () => source.close());
  }
  on("message.created", onMessage);
  on("message.read", onRead);
})();
