// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";
  // Confirm destructive actions marked with data-confirm (the form still posts without JS).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var message = form.getAttribute && form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  });
})();

// Offline (scanner feature): register the service worker, and tell it which pages to keep for
// the logged-in attendee (scanner, my QR, contacts), or to forget them once nobody is logged in.
(function () {
  "use strict";
  var body = document.body;
  if (!("serviceWorker" in navigator) || !body || !body.dataset.serviceWorker) { return; }
  navigator.serviceWorker.register(body.dataset.serviceWorker, { scope: "/" }).catch(function () {
    /* no service worker (private mode, old browser): everything still works online */
  });
  navigator.serviceWorker.ready.then(function (registration) {
    var worker = registration.active;
    if (!worker) { return; }
    // A page whose navigation began while the worker was still installing is not controlled,
    // and the worker's clients.claim() on activation can miss it if it ran before the page was
    // ready. Asking again from the page, now ready, closes that gap without a reload.
    if (!navigator.serviceWorker.controller) {
      worker.postMessage({ type: "claim" });
    }
    // The page's language: pages kept in another one are fetched again (sw.js).
    var lang = document.documentElement.lang;
    if (body.dataset.offlinePages) {
      worker.postMessage({ type: "keep-pages", pages: JSON.parse(body.dataset.offlinePages), lang: lang });
    } else if ("loggedOut" in body.dataset) {
      worker.postMessage({ type: "forget-pages", lang: lang });
    }
  });
})();

// My QR (badges feature): keep the screen on while the QR is shown, so that it does not dim
// while someone lines up their camera (Screen Wake Lock API, where the browser offers it). The
// browser drops the lock when the page is hidden; it is asked for again when it is visible.
(function () {
  "use strict";
  var target = document.querySelector("[data-wake-lock]");
  if (!target || !navigator.wakeLock) { return; }
  var lock = null;
  var asking = false;
  function acquire() {
    if (lock || asking || document.visibilityState !== "visible") { return; }
    asking = true;
    navigator.wakeLock.request("screen").then(function (sentinel) {
      asking = false;
      lock = sentinel;
      target.dataset.wakeLock = "held";
      sentinel.addEventListener("release", function () {
        lock = null;
        target.dataset.wakeLock = "released";
      });
    }, function () {
      asking = false;  // refused (battery saver, a policy): the screen dims as it always did
      target.dataset.wakeLock = "refused";
    });
  }
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") {
      acquire();
    } else if (lock) {
      lock.release();
    }
  });
  acquire();
})();

// After an htmx swap that removed the focused control (the badge page's "Exchange cards"), focus
// would fall back to the page itself: the swapped-in part names where it should go instead.
(function () {
  "use strict";
  document.addEventListener("htmx:afterSettle", function () {
    var target = document.querySelector("[data-focus-on-swap]");
    if (!target) { return; }
    target.removeAttribute("data-focus-on-swap");
    target.focus({ preventScroll: true });
  });
})();

// The event's look (branding feature): a colour picker beside the accent's text field, kept in
// step both ways. Without JavaScript the picker stays hidden and the text field is the way.
(function () {
  "use strict";
  var pickers = document.querySelectorAll("input[type=color][data-color-for]");
  Array.prototype.forEach.call(pickers, function (picker) {
    var field = document.getElementById(picker.getAttribute("data-color-for"));
    if (!field) { return; }
    picker.hidden = false;
    picker.addEventListener("input", function () { field.value = picker.value; });
    field.addEventListener("input", function () {
      var value = field.value.trim();
      if (/^#?[0-9a-fA-F]{6}$/.test(value)) { picker.value = (value[0] === "#" ? value : "#" + value).toLowerCase(); }
    });
  });
})();
