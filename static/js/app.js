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
    if (body.dataset.offlinePages) {
      worker.postMessage({ type: "keep-pages", pages: JSON.parse(body.dataset.offlinePages) });
    } else if ("loggedOut" in body.dataset) {
      worker.postMessage({ type: "forget-pages" });
    }
  });
})();
