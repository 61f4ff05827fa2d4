// Registers the service worker (www/sw.js) that keeps the app working offline,
// and tells it which files this page loaded before the worker controlled it
// (the first visit), so they are cached too.

/** Starts the offline support; does nothing where service workers are unavailable. */
export function registerOffline() {
  if (!('serviceWorker' in navigator) || !/^https?:$/.test(location.protocol)) return;
  const sameOrigin = (u) => {
    try {
      return new URL(u).origin === location.origin;
    } catch {
      return false;
    }
  };
  navigator.serviceWorker.register(new URL('../sw.js', import.meta.url)).catch(() => {
    // Not available (e.g. a private window that forbids it): the app works online as before.
  });
  navigator.serviceWorker.ready.then((reg) => {
    const worker = reg.active;
    if (!worker) return;
    const send = (urls) => {
      const list = urls.filter(sameOrigin);
      if (list.length) worker.postMessage({ type: 'cache', urls: list });
    };
    // workerStart is 0 for what did not go through a service worker.
    const nav = performance.getEntriesByType('navigation')[0];
    if (!nav || !nav.workerStart) send([location.href.split('#')[0]]);
    new PerformanceObserver((list) => {
      send(list.getEntries().filter((e) => !e.workerStart).map((e) => e.name));
    }).observe({ type: 'resource', buffered: true });
  });
}
