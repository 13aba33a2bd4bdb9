// Organizer console: say "Generating…" while a badge PDF is being made, until it arrives.
// The PDF response sets a cookie holding the form's download token; when it appears, the
// download has started and the message goes away. Without JavaScript the hint above the
// button already says how long it takes.
(function () {
  "use strict";
  function cookie(name) {
    var match = document.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)"));
    return match ? decodeURIComponent(match[1]) : null;
  }
  document.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-generating]");
    if (!form) return;
    var status = form.querySelector("[data-generating-status]");
    var button = form.querySelector("button[type=submit]");
    var token = form.getAttribute("data-generating");
    if (!status) return;
    status.hidden = false;
    if (button) button.disabled = true;
    var started = Date.now();
    var timer = setInterval(function () {
      // Two minutes at most: an error page instead of a PDF must not leave the button dead.
      if (cookie("badge_download") === token || Date.now() - started > 120000) {
        clearInterval(timer);
        status.hidden = true;
        if (button) button.disabled = false;
      }
    }, 500);
  });
})();
