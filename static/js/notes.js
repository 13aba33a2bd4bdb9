// The note's prompted parts (_note_parts.html) are <details> that open without any script.
// This adds one thing: Enter in "What did you promise?" adds the promise, as "Add promise"
// does, instead of submitting the form with its first button ("Save note", which on the
// contact page autosaves without tracking a half-typed promise).
(function () {
  "use strict";

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || !event.target.matches || !event.target.matches("[data-promise-text]")) { return; }
    var part = event.target.closest("[data-promise-part]");
    var button = part && part.querySelector("[data-add-promise]");
    if (button) {
      event.preventDefault();
      button.click();
    }
  });
})();
