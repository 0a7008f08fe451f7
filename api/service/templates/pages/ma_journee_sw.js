// Offline worker of "Ma journée": the day page is fetched from the network when there is one (and kept),
// or else served as last kept; Leaflet's files are kept at install. Nothing else is intercepted.
const CACHE = "ma-journee";
const VENDOR = ["/pages/vendor/leaflet.js", "/pages/vendor/leaflet.css"];
const LAST = "/pages/ma-journee#derniere";

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((c) => c.addAll(VENDOR)).then(() => self.skipWaiting()));
});
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

async function keep(request, response) {
  const c = await caches.open(CACHE);
  await c.put(request, response.clone());
  await c.put(LAST, response.clone());
}

async function dayPage(request) {
  try {
    const response = await fetch(request);
    if (response.ok && !response.redirected) await keep(request, response);
    return response;
  } catch (err) {
    const c = await caches.open(CACHE);
    return (await c.match(request)) || (await c.match(LAST)) || Response.error();
  }
}

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname === "/pages/ma-journee") event.respondWith(dayPage(event.request));
  else if (VENDOR.includes(url.pathname))
    event.respondWith(caches.match(url.pathname).then((r) => r || fetch(event.request)));
});

// The first load happens before the worker controls the page: the page asks to keep itself.
self.addEventListener("message", (event) => {
  if (event.data && event.data.keep) {
    const url = new URL(event.data.keep, self.location.origin);
    if (url.origin === self.location.origin && url.pathname === "/pages/ma-journee")
      event.waitUntil(fetch(url.href, {credentials: "same-origin"}).then((r) => r.ok && !r.redirected ? keep(url.href, r) : null));
  }
});
