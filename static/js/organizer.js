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

// Attendee table (issue 13), enhancement only: everything works without it.
// - "Tick everyone on this page" (hidden without JavaScript, where it could do nothing);
// - the bulk bar says how many are ticked;
// - one row menu open at a time, Escape closes it and gives focus back to its button, a click
//   elsewhere closes it.
(function () {
  "use strict";
  function boxes() {
    return Array.prototype.slice.call(document.querySelectorAll('input[name="ids"][form="bulk-form"]'));
  }
  function showCount() {
    var out = document.querySelector("[data-selected-count]");
    if (!out) return;
    var ticked = boxes().filter(function (b) { return b.checked; }).length;
    // "(3 ticked)" in the page's language: one pattern per plural category (eventnet/i18n/js.py).
    var forms = JSON.parse(out.getAttribute("data-forms") || "{}");
    var lang = document.documentElement.lang || "en";
    var form = forms[new Intl.PluralRules(lang).select(ticked)] || forms.other || "({n})";
    out.textContent = ticked ? form.replace("{n}", new Intl.NumberFormat(lang, { numberingSystem: "latn" }).format(ticked)) : "";
    out.hidden = !ticked;
  }
  function init() {
    document.querySelectorAll(".select-all[hidden]").forEach(function (label) { label.hidden = false; });
    document.querySelectorAll("[data-no-js-label]").forEach(function (label) { label.remove(); });
    showCount();
  }
  document.addEventListener("DOMContentLoaded", init);
  document.addEventListener("htmx:afterSettle", init);
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches("[data-select-all]")) {
      boxes().forEach(function (b) { b.checked = target.checked; });
    } else if (target.matches('input[name="ids"]')) {
      var all = document.querySelector("[data-select-all]");
      if (all) all.checked = boxes().every(function (b) { return b.checked; });
    } else {
      return;
    }
    showCount();
  });
  // "toggle" does not bubble: listen in the capture phase.
  document.addEventListener("toggle", function (event) {
    var menu = event.target;
    if (!menu.matches || !menu.matches("details.row-menu") || !menu.open) return;
    document.querySelectorAll("details.row-menu[open]").forEach(function (other) {
      if (other !== menu) other.open = false;
    });
  }, true);
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var menu = document.activeElement && document.activeElement.closest("details.row-menu[open]");
    if (!menu) return;
    menu.open = false;
    menu.querySelector("summary").focus();
  });
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details.row-menu[open]").forEach(function (menu) {
      if (!menu.contains(event.target)) menu.open = false;
    });
  });
})();
