// Note prompts: chips that start a line like "Works on: " in the note, to help listen actively.
// Without this file the prompts show as hint text and the form still saves.
(function () {
  "use strict";

  function enable(root) {
    var groups = (root.querySelectorAll ? root : document).querySelectorAll("[data-note-prompts]");
    Array.prototype.forEach.call(groups, function (group) {
      group.hidden = false;
      var form = group.closest("form");
      var hint = form && form.querySelector("[data-prompts-hint]");
      if (hint) { hint.hidden = true; }
    });
  }

  function insert(textarea, text) {
    var value = textarea.value;
    // Each prompt starts its own line, so a note reads as a short list of headings.
    var prefix = value && !/\n$/.test(value) ? "\n" : "";
    var room = textarea.maxLength > 0 ? textarea.maxLength - value.length : Infinity;
    if (prefix.length + text.length > room) { return; }
    textarea.value = value + prefix + text;
    textarea.focus();
    textarea.setSelectionRange(textarea.value.length, textarea.value.length);
    // Let htmx's autosave (hx-trigger "input changed") know the note changed.
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-insert]");
    if (!button) { return; }
    var form = button.closest("form");
    var textarea = form && form.querySelector("[data-note-text]");
    if (textarea) {
      event.preventDefault();
      insert(textarea, button.getAttribute("data-insert"));
    }
  });

  document.addEventListener("DOMContentLoaded", function () { enable(document); });
  // Forms swapped in by htmx (a scan's contact card, a form redrawn after an error).
  document.addEventListener("htmx:load", function (event) { enable(event.target); });
})();
