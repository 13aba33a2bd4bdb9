// eventnet's service worker: the app shell, the scanner, my QR and my contact book work offline.
// Served by the app at /sw.js (scope "/"), which fills in VERSION (a hash of the static files,
// so a changed file installs a new worker and a new cache), SHELL (their URLs), START_URL
// (the manifest's start_url, where the installed app opens) and OFFLINE_URL (the offline page
// of a visitor nobody is logged in as, rendered by the server in the visitor's language).
"use strict";

var VERSION = "__VERSION__";
var SHELL = ["__SHELL__"];
var START_URL = "__START_URL__";
var OFFLINE_URL = "__OFFLINE_URL__";
var STATIC_CACHE = "eventnet-static-" + VERSION;
var PAGES_CACHE = "eventnet-pages";          // one attendee's pages; emptied on logout
var DECODER_CACHE = "eventnet-decoder";      // versioned URLs, kept across shell versions
var PAGE_TIMEOUT_MS = 4000;

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(STATIC_CACHE).then(function (cache) {
      // "no-cache": the HTTP cache may answer, but only after the server confirmed (304) that
      // its copy is current, so the page's own first load is not downloaded twice.
      return cache.addAll(SHELL.map(function (url) { return new Request(url, { cache: "no-cache" }); }))
        .then(function () { return keepVisitorOffline(cache); });
    }).then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) {
        return name.indexOf("eventnet-static-") === 0 && name !== STATIC_CACHE;
      }).map(function (name) { return caches.delete(name); }));
    }).then(function () { return self.clients.claim(); })
  );
});

function pageKey(request) {
  var url = new URL(request.url);
  return url.origin + url.pathname;
}

function cachedPage(request) {
  return caches.open(PAGES_CACHE).then(function (cache) { return cache.match(pageKey(request)); });
}

// Offline, a page that was not saved gets the event's offline page (kept as "shell" for the
// logged-in attendee: the app's header and tabs, and links to the saved scanner, QR and
// contacts). At the start URL it is the app starting offline, so a 200; elsewhere a 503.
function offlineResponse(request) {
  var start = new URL(request.url).pathname === START_URL;
  var status = start ? { status: 200, statusText: "OK" } : { status: 503, statusText: "Offline" };
  return caches.open(PAGES_CACHE).then(function (cache) { return cache.matchAll(); }).then(function (saved) {
    var shell = saved.filter(function (response) {
      return response.headers.get("X-Eventnet-Offline") === "shell";
    })[0];
    if (shell) {
      return new Response(shell.body, { status: status.status, statusText: status.statusText, headers: shell.headers });
    }
    return loggedOutOfflinePage(status);
  });
}

// Nobody logged in on this phone (or not since this worker came): no event to link to, so the
// visitor's offline page kept at install (the app's look, its start page, a word on what works
// offline after logging in), in the language of the last page the visitor saw.
function loggedOutOfflinePage(status) {
  return caches.open(STATIC_CACHE).then(function (cache) { return cache.match(OFFLINE_URL); }).then(function (kept) {
    if (kept) {
      return new Response(kept.body, { status: status.status, statusText: status.statusText, headers: kept.headers });
    }
    // The browser dropped the cache (storage pressure): a bare answer rather than none.
    return new Response("", { status: status.status, statusText: status.statusText });
  });
}

// The visitor's offline page: at install in the language the server selects for the visitor
// (their cookie, their browser's Accept-Language), then in the language of the pages they open
// (`lang`), so that offline it speaks the language they last read online.
function keepVisitorOffline(cache, lang) {
  var url = lang ? OFFLINE_URL + "?lang=" + encodeURIComponent(lang) : OFFLINE_URL;
  return fetch(url, { credentials: "same-origin", cache: "no-store" }).then(function (response) {
    if (response.status === 200 && !response.redirected) { return cache.put(OFFLINE_URL, response); }
  });
}

function visitorOfflineIn(lang) {
  return caches.open(STATIC_CACHE).then(function (cache) {
    return cache.match(OFFLINE_URL).then(function (kept) {
      if (!kept || kept.headers.get("Content-Language") !== lang) { return keepVisitorOffline(cache, lang); }
    });
  }).catch(function () { /* offline: tried again on the next page load */ });
}

// Stores a page with how it is to be served later: "cache" (the scanner, my QR: shown at once
// from here and refreshed in the background, so opening them needs no network) or "network"
// (the contact book: fresh from the network, the saved copy only offline or when slow).
function keepPage(cache, key, response, mode) {
  return response.blob().then(function (body) {
    var headers = new Headers(response.headers);
    headers.set("X-Eventnet-Offline", mode);
    headers.set("X-Eventnet-Version", VERSION);
    return cache.put(key, new Response(body, { status: 200, statusText: "OK", headers: headers }));
  });
}

function page(event) {
  var request = event.request;
  return cachedPage(request).then(function (cached) {
    var mode = cached && cached.headers.get("X-Eventnet-Offline");
    var network = fetch(request).then(function (response) {
      if (response.redirected && /\/login/.test(new URL(response.url).pathname)) {
        forgetPages();
      } else if (cached && response.status === 200 && !response.redirected && response.type === "basic") {
        var copy = response.clone();
        caches.open(PAGES_CACHE).then(function (cache) { return keepPage(cache, pageKey(request), copy, mode); });
      }
      return response;
    });
    if (!cached) {
      return network.catch(function () { return offlineResponse(request); });
    }
    if (mode === "cache") {
      event.waitUntil(network.catch(function () { /* offline: the saved copy stays */ }));
      return cached;
    }
    return new Promise(function (resolve) {
      var settled = false;
      var done = function (response) {
        if (!settled) { settled = true; resolve(response); }
      };
      network.then(done, function () { done(cached); });
      setTimeout(function () { done(cached); }, PAGE_TIMEOUT_MS);
    });
  });
}

// Static files: from the cache, fetched and kept on a miss. Their cache is replaced whenever
// the shell changes (VERSION), and the decoder's URLs carry its version.
function asset(event, cacheName) {
  return caches.open(cacheName).then(function (cache) {
    return cache.match(event.request).then(function (hit) {
      if (hit) { return hit; }
      return fetch(event.request).then(function (response) {
        if (response.status === 200) { cache.put(event.request, response.clone()); }
        return response;
      });
    });
  });
}

function forgetPages() {
  return caches.delete(PAGES_CACHE);
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (request.method === "POST" && /\/(logout|login|log-out-everywhere)(\/|$)/.test(url.pathname)) {
    // Logging in or out forgets the saved pages of whoever was logged in before, so that one
    // person's scanner or QR is never shown to the next (the offline queue stays: queue.js).
    event.waitUntil(forgetPages());
    return;
  }
  if (request.method !== "GET") { return; }
  if (url.pathname.indexOf("/scanner/decoder/") === 0) {
    event.respondWith(asset(event, DECODER_CACHE));
  } else if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(asset(event, STATIC_CACHE));
  } else if (request.mode === "navigate") {
    event.respondWith(page(event));
  }
  // Everything else (the JSON APIs, the manifest, images made by the app) goes to the network.
});

self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type === "claim") {
    event.waitUntil(self.clients.claim());
  } else if (data.type === "forget-pages") {
    event.waitUntil(forgetPages().then(function () {
      return typeof data.lang === "string" ? visitorOfflineIn(data.lang) : null;
    }));
  } else if (data.type === "keep-decoder" && Array.isArray(data.urls)) {
    // The page chose the fallback decoder, perhaps before this worker controlled it: keep its
    // files for the next visit, offline included. Only the decoder's own versioned paths.
    event.waitUntil(caches.open(DECODER_CACHE).then(function (cache) {
      return Promise.all(data.urls.filter(function (url) {
        return typeof url === "string" && url.indexOf("/scanner/decoder/") === 0;
      }).map(function (url) {
        return cache.match(url).then(function (hit) { return hit || cache.add(url); }).catch(function () {});
      }));
    }));
  } else if (data.type === "keep-pages" && Array.isArray(data.pages)) {
    // Store the attendee's offline pages (the scanner, my QR, my contacts, the offline page) now,
    // so that they work offline without having been opened. Same-origin paths only; pages already
    // kept are refreshed by the navigations to them instead, except the offline page, which no
    // one navigates to: it is fetched again when this worker's version differs from its copy's.
    // A page kept in another language than the page's (the attendee just chose one) is fetched
    // again too, so that offline the app speaks the language it spoke online.
    event.waitUntil(caches.open(PAGES_CACHE).then(function (cache) {
      return Promise.all(data.pages.filter(function (page) {
        return page && typeof page.url === "string" && /^\/[^/]/.test(page.url);
      }).map(function (page) {
        var key = new URL(page.url, self.location.origin);
        key = key.origin + key.pathname;
        var mode = page.mode === "cache" || page.mode === "shell" ? page.mode : "network";
        return cache.match(key).then(function (hit) {
          var stale = (mode === "shell" && hit && hit.headers.get("X-Eventnet-Version") !== VERSION) ||
            (hit && typeof data.lang === "string" && hit.headers.get("Content-Language") !== data.lang);
          if (hit && !stale) { return; }
          return fetch(key, { credentials: "same-origin" }).then(function (response) {
            if (response.status === 200 && !response.redirected) {
              return keepPage(cache, key, response, mode);
            }
          });
        }).catch(function () { /* offline: tried again on the next page load */ });
      }));
    }));
  }
});
