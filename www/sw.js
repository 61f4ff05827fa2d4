// The service worker that lets MQTT Lab work offline once loaded: the page,
// its modules and styles, and the WebAssembly codec, broker and simulator.
//
// Network first: every request for the app's own files goes to the server as
// usual (revalidating the browser's HTTP cache), and each good response is
// kept in the cache; only when the network fails does the cached copy answer.
// So an online page is never stale, a rebuilt www/pkg is picked up on the next
// load, and the cache always holds the last build that was loaded.
//
// The page (ui/offline.js) also sends the addresses it loaded before this
// worker controlled it, so the very first visit is enough to work offline.
// Test pages (test/) and copies of third-party files (vendor/) are left alone.
// Bump VERSION when what is cached changes shape: older caches are deleted.
const VERSION = 1;
const PREFIX = 'mqttlab-';
const CACHE = `${PREFIX}v${VERSION}`;
const SCOPE = new URL(self.registration.scope);
const SKIP = ['test/', 'vendor/'].map((p) => new URL(p, SCOPE).pathname);

function ours(url) {
  return url.origin === SCOPE.origin && url.pathname.startsWith(SCOPE.pathname)
    && !SKIP.some((p) => url.pathname.startsWith(p));
}

self.addEventListener('install', () => {
  // A new build's worker takes over at once: it serves from the network anyway.
  self.skipWaiting();
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith(PREFIX) && name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

async function fresh(request) {
  // no-cache: the server is asked every time (an unchanged file costs a 304).
  return fetch(request, { cache: 'no-cache' });
}

async function keep(cache, url, response) {
  if (response.ok && response.type === 'basic') await cache.put(url, response);
}

async function networkFirst(request) {
  const cache = await caches.open(CACHE);
  const url = request.url.split('#')[0];
  try {
    const response = await fresh(request);
    await keep(cache, url, response.clone());
    return response;
  } catch (err) {
    const hit = await cache.match(url)
      ?? (request.mode === 'navigate' ? (await cache.match(SCOPE.href)) ?? (await cache.match(new URL('index.html', SCOPE).href)) : undefined);
    if (hit) return hit;
    throw err;
  }
}

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET') return;
  if (!ours(new URL(request.url))) return;
  event.respondWith(networkFirst(request));
});

// { type: 'cache', urls }: files the page loaded before this worker controlled it.
self.addEventListener('message', (event) => {
  const { data } = event;
  if (data?.type !== 'cache' || !Array.isArray(data.urls)) return;
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    for (const u of data.urls) {
      let url;
      try {
        url = new URL(u);
      } catch {
        continue;
      }
      if (!ours(url)) continue;
      try {
        // The copy the page just loaded, from the HTTP cache: no second download.
        await keep(cache, url.href.split('#')[0], await fetch(url.href, { cache: 'force-cache' }));
      } catch {
        // Offline already: nothing to refresh.
      }
    }
  })());
});
