// Anonymous help in the browser: requests are sealed here with libsodium.js in the same
// format as the CLI (help/crypto.py): XSalsa20-Poly1305 secret box, base64(nonce + box);
// request keys sealed to a helper's X25519 public key (crypto_box_seal); offer notes and the
// conversation are crypto_box boxes between the asker's and the helper's key pairs. Keys live
// in IndexedDB and never leave the browser except in a file the person exports.
import sodium from "/static/vendor/libsodium/libsodium-wrappers.mjs";

await sodium.ready;
const B64 = sodium.base64_variants.ORIGINAL;
const b64 = (bytes) => sodium.to_base64(bytes, B64);
const unb64 = (text) => sodium.from_base64(text, B64);
const csrf = () => document.querySelector('meta[name="csrf-token"]').content;

// --- the key store ---------------------------------------------------------------------
function database() {
  return new Promise((resolve, reject) => {
    const opening = indexedDB.open("skillnest-help", 1);
    opening.onupgradeneeded = () => opening.result.createObjectStore("keys");
    opening.onsuccess = () => resolve(opening.result);
    opening.onerror = () => reject(opening.error);
  });
}

async function store(mode, work) {
  const db = await database();
  return new Promise((resolve, reject) => {
    const tx = db.transaction("keys", mode);
    const result = work(tx.objectStore("keys"));
    tx.oncomplete = () => resolve(result.result);
    tx.onerror = () => reject(tx.error);
  });
}

const putKey = (name, value) => store("readwrite", (keys) => keys.put(value, name));
const getKey = (name) => store("readonly", (keys) => keys.get(name));
async function allKeys() {
  const names = await store("readonly", (keys) => keys.getAllKeys());
  const values = await store("readonly", (keys) => keys.getAll());
  return names.map((name, index) => [name, values[index]]);
}

// --- the format of help/crypto.py -----------------------------------------------------
export function encryptRequest(key, plaintext) {
  const nonce = sodium.randombytes_buf(sodium.crypto_secretbox_NONCEBYTES);
  const box = sodium.crypto_secretbox_easy(sodium.from_string(plaintext), nonce, key);
  const out = new Uint8Array(nonce.length + box.length);
  out.set(nonce);
  out.set(box, nonce.length);
  return b64(out);
}

export function decryptRequest(key, ciphertext) {
  const raw = unb64(ciphertext);
  const nonce = raw.slice(0, sodium.crypto_secretbox_NONCEBYTES);
  const box = raw.slice(sodium.crypto_secretbox_NONCEBYTES);
  return sodium.to_string(sodium.crypto_secretbox_open_easy(box, nonce, key));
}

function joined(nonce, box) {
  const out = new Uint8Array(nonce.length + box.length);
  out.set(nonce);
  out.set(box, nonce.length);
  return out;
}

export function encryptMessage(privateKey, theirPublicKey, plaintext) {
  const nonce = sodium.randombytes_buf(sodium.crypto_box_NONCEBYTES);
  const box = sodium.crypto_box_easy(
    sodium.from_string(plaintext), nonce, unb64(theirPublicKey), unb64(privateKey));
  return b64(joined(nonce, box));
}

export function decryptMessage(privateKey, theirPublicKey, ciphertext) {
  const raw = unb64(ciphertext);
  const nonce = raw.slice(0, sodium.crypto_box_NONCEBYTES);
  const box = raw.slice(sodium.crypto_box_NONCEBYTES);
  return sodium.to_string(
    sodium.crypto_box_open_easy(box, nonce, unb64(theirPublicKey), unb64(privateKey)));
}

function openSealedKey(sealed, privateKey) {
  const secret = unb64(privateKey);
  const publicKey = sodium.crypto_scalarmult_base(secret);
  return sodium.crypto_box_seal_open(unb64(sealed), publicKey, secret);
}

// --- talking to the pages -------------------------------------------------------------
async function send(url, fields) {
  const body = new URLSearchParams(fields);
  const response = await fetch(url, {
    method: "POST",
    body,
    credentials: "same-origin",
    headers: { "X-CSRF-Token": csrf(), Accept: "application/json" },
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(data.detail || `The server said ${response.status}.`);
  return data;
}

function showError(scope, message) {
  const box = scope.querySelector("[data-errors]") || document.querySelector("[data-errors]");
  if (!box) return;
  box.textContent = message;
  box.hidden = false;
  box.focus?.();
}

// Ask: encrypt the details, send only the ciphertext, keep the key.
const askForm = document.querySelector("form[data-help-ask]");
if (askForm) {
  askForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const details = askForm.querySelector("#details").value.trim();
    if (!details) return showError(askForm.parentElement, "Write what you need help with.");
    const key = sodium.randombytes_buf(sodium.crypto_secretbox_KEYBYTES);
    // The key pair helpers write to; its private half stays here with the request key.
    const pair = sodium.crypto_box_keypair();
    const fields = Object.fromEntries(new FormData(askForm));
    fields.encrypted_request = encryptRequest(key, details);
    fields.public_key = b64(pair.publicKey);
    try {
      const created = await send("/help/ask", fields);
      await putKey(`request:${created.id}`, { key: b64(key), private_key: b64(pair.privateKey) });
      window.location.assign(`/help/requests/${created.id}`);
    } catch (error) {
      showError(askForm.parentElement, error.message);
    }
  });
}

const requestView = document.querySelector("[data-help-request]");
if (requestView) {
  const requestId = requestView.dataset.helpRequest;

  // Offer: a key pair for this request only; the private half stays here.
  const offerButton = requestView.querySelector("[data-help-offer]");
  offerButton?.addEventListener("click", async () => {
    const pair = sodium.crypto_box_keypair();
    const fields = { public_key: b64(pair.publicKey) };
    const note = requestView.querySelector("[data-offer-text]")?.value.trim();
    if (note && requestView.dataset.askerKey) {
      fields.encrypted_message = encryptMessage(b64(pair.privateKey), requestView.dataset.askerKey, note);
    }
    try {
      const offer = await send(`/help/requests/${requestId}/offers`, fields);
      await putKey(`offer:${requestId}`, {
        offer_id: offer.id, private_key: b64(pair.privateKey), public_key: b64(pair.publicKey),
      });
      window.location.reload();
    } catch (error) {
      showError(requestView, error.message);
    }
  });

  // Accept: seal the request key to the chosen helper's public key.
  for (const button of requestView.querySelectorAll("[data-help-accept]")) {
    button.addEventListener("click", async () => {
      const saved = await getKey(`request:${requestId}`);
      if (!saved) return showError(requestView, "The key of this request is not in this browser. Import it from My keys.");
      const sealed = sodium.crypto_box_seal(unb64(saved.key), unb64(button.dataset.publicKey));
      try {
        await send(`/help/requests/${requestId}/accept`, { offer_id: button.dataset.helpAccept, sealed_key: b64(sealed) });
        window.location.reload();
      } catch (error) {
        showError(requestView, error.message);
      }
    });
  }

  // The private key of this side: the request's key pair (asker) or the offer's (helper).
  const ownPrivateKey = async () => {
    const saved = await getKey(requestView.dataset.role === "owner" ? `request:${requestId}` : `offer:${requestId}`);
    return saved?.private_key || null;
  };
  const opened = (privateKey, publicKey, ciphertext) => {
    if (!privateKey) return "The key to read this is not in this browser. Import it from My keys.";
    try {
      return decryptMessage(privateKey, publicKey, ciphertext);
    } catch (error) {
      return "This does not decrypt with the key in this browser.";
    }
  };

  // The helpers' notes, for the asker's eyes only.
  const notes = requestView.querySelectorAll("[data-offer-note]");
  if (notes.length) {
    const privateKey = await ownPrivateKey();
    for (const note of notes) {
      note.textContent = opened(privateKey, note.dataset.publicKey, note.dataset.ciphertext);
    }
  }

  // The conversation: decrypted here, new messages arrive live on the event stream.
  const thread = requestView.querySelector("[data-help-thread]");
  if (thread) {
    const list = thread.querySelector("[data-messages]");
    const privateKey = await ownPrivateKey();
    const show = (item, message) => {
      item.textContent = opened(privateKey, thread.dataset.peerKey, message.ciphertext);
      item.classList.toggle("mine", message.sender === thread.dataset.side);
      item.dataset.decrypted = "1";
    };
    for (const item of list.querySelectorAll("[data-message]")) show(item, item.dataset);
    const add = (message) => {
      if (message.request_id !== requestId || list.querySelector(`[data-message="${message.id}"]`)) return;
      const item = document.createElement("li");
      item.dataset.message = message.id;
      show(item, message);
      list.append(item);
      list.scrollTop = list.scrollHeight;
    };
    window.skillnest?.on("help.message", (message) => {
      add(message);
      if (message.sender !== thread.dataset.side) window.skillnest.announce("A new message");
    });
    const form = thread.querySelector("form[data-help-say]");
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const field = form.querySelector("textarea");
      const text = field.value.trim();
      if (!text) return;
      if (!privateKey) return showError(requestView, "The key of this conversation is not in this browser. Import it from My keys.");
      try {
        const ciphertext = encryptMessage(privateKey, thread.dataset.peerKey, text);
        add(await send(`/help/requests/${requestId}/messages`, { ciphertext }));
        field.value = "";
      } catch (error) {
        showError(requestView, error.message);
      }
    });
    thread.dataset.ready = "1";
  }

  // Read: as the owner with the request key, as the helper with the sealed key.
  const plain = requestView.querySelector("[data-plaintext]");
  if (plain) {
    try {
      let key = null;
      if (requestView.dataset.role === "owner") {
        const saved = await getKey(`request:${requestId}`);
        if (saved) key = unb64(saved.key);
      } else if (plain.dataset.sealedKey) {
        const offer = await getKey(`offer:${requestId}`);
        if (offer) key = openSealedKey(plain.dataset.sealedKey, offer.private_key);
      }
      plain.textContent = key
        ? decryptRequest(key, plain.dataset.ciphertext)
        : "The key for this request is not in this browser. Import it from My keys.";
      plain.dataset.decrypted = key ? "1" : "0";
    } catch (error) {
      plain.textContent = "This request does not decrypt with the key in this browser.";
      plain.dataset.decrypted = "0";
    }
  }
}

// Keys: export to a file the CLI can import, and import such a file.
const keyCount = document.querySelector("[data-key-count]");
if (keyCount) {
  const count = async () => {
    const entries = await allKeys();
    keyCount.textContent = `This browser holds ${entries.length} key${entries.length === 1 ? "" : "s"}.`;
  };
  await count();
  document.querySelector("[data-keys-export]").addEventListener("click", async () => {
    const file = { format: "skillnest-help-keys", version: 1, requests: {}, offers: {} };
    for (const [name, value] of await allKeys()) {
      const [kind, id] = name.split(":");
      if (kind === "request") {
        file.requests[id] = value.private_key ? { key: value.key, private_key: value.private_key } : value.key;
      }
      if (kind === "offer") file.offers[id] = { offer_id: value.offer_id, private_key: value.private_key };
    }
    const link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([JSON.stringify(file, null, 2)], { type: "application/json" }));
    link.download = "skillnest-help-keys.json";
    document.body.append(link);
    link.click();
    link.remove();
  });
  document.querySelector("[data-keys-import]").addEventListener("change", async (event) => {
    const status = document.querySelector("[data-keys-status]");
    try {
      const file = JSON.parse(await event.target.files[0].text());
      if (file.format !== "skillnest-help-keys") throw new Error("not a skillnest keys file");
      for (const [id, entry] of Object.entries(file.requests || {})) {
        await putKey(`request:${id}`, typeof entry === "string" ? { key: entry } : entry);
      }
      for (const [id, offer] of Object.entries(file.offers || {})) {
        const publicKey = b64(sodium.crypto_scalarmult_base(unb64(offer.private_key)));
        await putKey(`offer:${id}`, { ...offer, public_key: publicKey });
      }
      status.textContent = "Keys imported.";
      await count();
    } catch (error) {
      status.textContent = `Nothing imported: ${error.message}.`;
    }
  });
}

// The live feed: new matching requests appear, taken or expired ones disappear.
const feed = document.querySelector("[data-feed-stream]");
if (feed && window.EventSource) {
  const source = new EventSource(feed.dataset.feedStream);
  const empty = feed.querySelector(".empty");
  source.addEventListener("ready", () => { feed.dataset.live = "1"; });
  source.addEventListener("request.created", (event) => {
    const card = JSON.parse(event.data);
    if (feed.querySelector(`[data-request="${card.id}"]`)) return;
    const article = document.createElement("article");
    article.className = "help-card";
    article.dataset.request = card.id;
    const heading = document.createElement("h3");
    const link = document.createElement("a");
    link.href = `/help/requests/${card.id}`;
    link.textContent = card.title || "A request for help";
    heading.append(link);
    const meta = document.createElement("p");
    meta.textContent = `${card.avatar || ""} Urgency ${card.urgency_level} / 5` +
      (card.college_domain ? ` · ${card.college_domain}` : "") + " · just now";
    const tags = document.createElement("ul");
    tags.className = "tags";
    tags.setAttribute("aria-label", "Skills");
    for (const tag of card.skill_tags) {
      const item = document.createElement("li");
      item.textContent = tag;
      tags.append(item);
    }
    article.append(heading, meta, tags);
    feed.prepend(article);
    if (empty) empty.hidden = true;
    window.skillnest?.announce("A new request for help");
  });
  const drop = (event) => {
    const data = JSON.parse(event.data);
    feed.querySelector(`[data-request="${data.id}"]`)?.remove();
  };
  source.addEventListener("request.updated", drop);
  source.addEventListener("request.expired", drop);
  window.addEventListener("pagehide", () => source.close());
}
