/* The capture device's store (docs/offline.md): IndexedDB, where every entry and the
   device's token are kept encrypted (AES-GCM, 256 bits) with a key derived from the
   counsellor's password (PBKDF2, SHA-256, the server's iterations and the user's salt).
   The key is a non-extractable CryptoKey, kept in IndexedDB until log-out deletes it; the
   password is never stored. Plain script: it defines the global `Store`. */
"use strict";
const Store = (() => {
  const NAME = "mrc-capture";
  const CHECK = "mrc-capture-key-check";
  let opened = null;

  function db() {
    if (!opened) {
      opened = new Promise((resolve, reject) => {
        const request = indexedDB.open(NAME, 1);
        request.onupgradeneeded = () => {
          request.result.createObjectStore("meta");
          request.result.createObjectStore("entries", {keyPath: "id"});
        };
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
    }
    return opened;
  }

  async function run(name, mode, work) {
    const database = await db();
    return new Promise((resolve, reject) => {
      const transaction = database.transaction(name, mode);
      const request = work(transaction.objectStore(name));
      transaction.oncomplete = () => resolve(request ? request.result : undefined);
      transaction.onerror = () => reject(transaction.error);
      transaction.onabort = () => reject(transaction.error);
    });
  }

  const get = (name, key) => run(name, "readonly", (s) => s.get(key));
  const put = (name, value, key) => run(name, "readwrite", (s) => s.put(value, key));
  const remove = (name, key) => run(name, "readwrite", (s) => s.delete(key));
  const all = (name) => run(name, "readonly", (s) => s.getAll());

  function bytes(base64url) {
    const text = atob(base64url.replace(/-/g, "+").replace(/_/g, "/"));
    return Uint8Array.from(text, (c) => c.charCodeAt(0));
  }

  async function derive(password, salt, iterations) {
    const material = await crypto.subtle.importKey(
      "raw", new TextEncoder().encode(password), "PBKDF2", false, ["deriveKey"]);
    return crypto.subtle.deriveKey(
      {name: "PBKDF2", hash: "SHA-256", salt: bytes(salt), iterations}, material,
      {name: "AES-GCM", length: 256}, false, ["encrypt", "decrypt"]);
  }

  async function seal(key, value) {
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const plain = new TextEncoder().encode(JSON.stringify(value));
    return {iv, data: await crypto.subtle.encrypt({name: "AES-GCM", iv}, key, plain)};
  }

  async function unseal(key, box) {
    const plain = await crypto.subtle.decrypt({name: "AES-GCM", iv: box.iv}, key, box.data);
    return JSON.parse(new TextDecoder().decode(plain));
  }

  return {
    derive, seal, unseal,
    meta: () => get("meta", "device"),
    saveMeta: (meta) => put("meta", meta, "device"),
    key: () => get("meta", "key"),
    saveKey: (key) => put("meta", key, "key"),
    forgetKey: () => remove("meta", "key"),
    check: (key) => seal(key, CHECK),
    async opens(key, box) {
      try { return (await unseal(key, box)) === CHECK; } catch (error) { return false; }
    },
    async entries(key) {
      const rows = (await all("entries")).sort((a, b) => a.seq - b.seq);
      return Promise.all(rows.map(async (row) => ({...(await unseal(key, row.box)), id: row.id, seq: row.seq})));
    },
    // Whether an entry is still to be sent is kept beside its box (it says nothing of the
    // entry), so a locked page can tell how many are pending.
    count: async () => (await all("entries")).filter((row) => row.pending).length,
    async saveEntry(key, entry) {
      const {id, seq, ...content} = entry;
      await put("entries", {id, seq, pending: content.state !== "sent", box: await seal(key, content)});
    },
    removeEntry: (id) => remove("entries", id),
  };
})();
