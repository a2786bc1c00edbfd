/* The capture page's service worker (scope /capture/). The server prepends VERSION (a digest
   of the page's files) and SHELL (the page and its files). The shell is served from the
   cache first, so the page opens at once with or without a connection, and refreshed in
   the background when the network answers with the page itself (not a log-in redirect).
   Nothing else is intercepted: the API and the device routes always go to the network. */
"use strict";
const CACHE = "mrc-capture-" + VERSION;

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(
    SHELL.map((url) => new Request(url, {credentials: "same-origin", cache: "reload"}))))
    .then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys().then((names) => Promise.all(names
    .filter((name) => name.startsWith("mrc-capture-") && name !== CACHE)
    .map((name) => caches.delete(name)))).then(() => self.clients.claim()));
});

function refresh(cache, request, key) {
  return fetch(request).then((response) => {
    if (response.ok && !response.redirected && response.type === "basic") {
      cache.put(key, response.clone());
    }
    return response;
  });
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  const key = request.mode === "navigate" && url.pathname === SHELL[0] ? SHELL[0] : url.pathname;
  if (!SHELL.includes(key)) return;
  event.respondWith(caches.open(CACHE).then((cache) => cache.match(key).then((kept) => {
    const fresh = refresh(cache, request, key).catch(() => kept);
    if (kept) {
      event.waitUntil(fresh.catch(() => null));
      return kept;
    }
    return fresh;
  })));
});
