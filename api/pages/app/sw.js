// The app's service worker: the shell is kept on the device so that /app opens with no
// connection (a farmer in the orchard). Files are served from the cache and refreshed from the
// network when it answers; API requests are never cached here (the screens keep what they need).

const CACHE = "cashew-app-v2";
const SHELL = [
  "/app/",
  "/app/manifest.webmanifest",
  "/app/css/app.css",
  "/app/css/farmer.css",
  "/app/css/processor.css",
  "/app/css/trader.css",
  "/app/css/regulator.css",
  "/app/js/main.js",
  "/app/js/api.js",
  "/app/js/i18n.js",
  "/app/js/ui.js",
  "/app/js/outbox.js",
  "/app/js/roles/farmer.js",
  "/app/js/roles/processor.js",
  "/app/js/roles/trader.js",
  "/app/js/roles/regulator.js",
  "/app/js/roles/desk.js",
  "/app/icons/icon-192.png",
];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((n) => n !== CACHE).map((n) => caches.delete(n))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== location.origin || !url.pathname.startsWith("/app/")) return;
  // Network first (the newest app when online), the cached copy when the network fails.
  event.respondWith(
    fetch(event.request)
      .then((answer) => {
        if (answer.ok) {
          const copy = answer.clone();
          caches.open(CACHE).then((cache) => cache.put(event.request, copy));
        }
        return answer;
      })
      .catch(() => caches.match(event.request, { ignoreSearch: true }).then((hit) => hit || caches.match("/app/"))),
  );
});
