// The profile page (attendees feature): upload a photo as soon as it is taken or chosen, and after
// a save that failed, put the focus on the first field to fix, in view above the tab bar.
// Everything here has a no-JavaScript path: the Upload photo button, and autofocus.
(function () {
  "use strict";

  function hideUploadButtons(root) {
    // With JavaScript the photo goes up on its own once chosen; the button is for pages without.
    (root || document).querySelectorAll("[data-photo-upload]").forEach(function (button) { button.hidden = true; });
  }

  function showPhotoError(input, message) {
    var error = document.getElementById("p-photo-error");
    if (!error) { return; }
    error.textContent = message;
    error.hidden = false;
    input.setAttribute("aria-invalid", "true");
    var described = (input.getAttribute("aria-describedby") || "").split(" ");
    if (described.indexOf("p-photo-error") < 0) {
      input.setAttribute("aria-describedby", described.concat("p-photo-error").join(" ").trim());
    }
    input.focus();
  }

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input || input.id !== "p-photo" || !input.files || !input.files.length || !input.form) { return; }
    var max = Number(input.dataset.maxBytes || 0);
    if (max && input.files[0].size > max) {
      // Said at once, instead of sending megabytes over the venue's Wi-Fi to hear it (413).
      showPhotoError(input, input.dataset.tooLarge);
      input.value = "";
      return;
    }
    input.form.requestSubmit();
  });

  function focusField(field) {
    if (!field) { return; }
    field.focus({ preventScroll: true });
    // The whole field, its message included, in the middle of the screen: never under the tab bar.
    var box = field.closest(".field, .photo-field") || field;
    box.scrollIntoView({ block: "center" });
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    // An upload over the size limit answers 413 with the photo field and its message: show it.
    var target = event.detail.target;
    if (event.detail.xhr.status === 413 && target && target.id === "photo-field") {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    hideUploadButtons(event.detail.elt && event.detail.elt.parentNode);
    if (event.detail.xhr && event.detail.xhr.status >= 400) {
      focusField(document.querySelector("#profile-form [aria-invalid=true], #photo-field [aria-invalid=true]"));
    }
  });

  function start() {
    hideUploadButtons(document);
    var invalid = document.querySelector("#profile-form [aria-invalid=true], #photo-field [aria-invalid=true]");
    if (invalid && document.activeElement === invalid) { focusField(invalid); }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
