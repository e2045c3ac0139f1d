// VRS tablet screen's service worker: keeps the screen itself (page, script,
// stylesheet, municipality names) so a tablet can open it without a connection.
// Network first, the kept copy when offline. Registrations (POST) are never
// touched: they queue in the page and are sent when the service answers.
"use strict";
var CACHE = "vrs-tablet-v1";
var SHELL = ["/tablet", "/static/tablet.js", "/static/vrs.css", "/tablet/municipalities.json"];

self.addEventListener("install", function (ev) {
  ev.waitUntil(caches.open(CACHE).then(function (c) { return c.addAll(SHELL); }).then(function () {
    return self.skipWaiting();
  }));
});

self.addEventListener("activate", function (ev) {
  ev.waitUntil(self.clients.claim());
});

self.addEventListener("fetch", function (ev) {
  var url = new URL(ev.request.url);
  if (ev.request.method !== "GET" || url.origin !== self.location.origin || SHELL.indexOf(url.pathname) < 0) {
    return;
  }
  ev.respondWith(fetch(ev.request).then(function (r) {
    if (r.ok) {
      var copy = r.clone();
      caches.open(CACHE).then(function (c) { c.put(ev.request, copy); });
    }
    return r;
  }).catch(function () {
    return caches.match(ev.request, { ignoreSearch: true });
  }));
});
