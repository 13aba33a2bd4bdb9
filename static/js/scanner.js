// The in-app scanner: rear camera, continuous QR decoding (the browser's BarcodeDetector where it
// reads QR, otherwise the vendored zxing-wasm decoder, loaded only then), instant feedback, and
// every scan written to the offline queue (queue.js) before anything is sent.
(function () {
  "use strict";

  var root = document.getElementById("scanner");
  if (!root || !window.EventnetQueue) { return; }
  var cfg = root.dataset;
  var attendeeId = parseInt(cfg.attendeeId, 10);
  var $ = function (selector) { return root.querySelector(selector); };

  var video = $(".scanner-video");
  var statusEl = $("[data-status]");
  var starting = statusEl.textContent;  // "Starting the camera…", as the page says it
  var countEl = $("[data-queue-count]");
  var flashEl = $("[data-flash]");
  var resultEl = $("[data-result]");
  var stripEl = $("[data-strip]");
  var help = $("[data-camera-help]");
  var template = document.getElementById("scan-card-template");

  // Every word shown here comes with the page, in its language (eventnet/scanner/js_strings.py),
  // so the page the service worker keeps speaks it offline too. Numbers in Latin digits in every
  // language, as the server writes them (eventnet/i18n/formats.py).
  var T = JSON.parse(document.getElementById("i18n-js").textContent);
  var lang = document.documentElement.lang || "en";
  var numbers = new Intl.NumberFormat(lang, { numberingSystem: "latn" });
  var plurals = new Intl.PluralRules(lang);
  var clock = new Intl.DateTimeFormat(lang, { hour: "2-digit", minute: "2-digit", hourCycle: "h23", numberingSystem: "latn" });
  var dayMonth = new Intl.DateTimeFormat(lang, { day: "numeric", month: "short", timeZone: "UTC", numberingSystem: "latn" });
  function fill(text, values) {
    return String(text).replace(/\{(\w+)\}/g, function (all, name) { return name in values ? values[name] : all; });
  }
  function counted(forms, n) { return fill(forms[plurals.select(n)] || forms.other, { n: numbers.format(n) }); }

  var TOKEN_RE = /^[A-Za-z0-9_-]{1,64}$/;
  var SAME_CODE_MS = 4000;      // the camera sees one badge many times a second: act on it once
  var FRAME_GAP_MS = 120;       // between two decode attempts (the wasm decoder takes ~20-60 ms a frame)
  // Some Android builds have a BarcodeDetector that says it reads QR codes and then rejects every
  // detect(): after this many rejections in a row (about two seconds) the bundled decoder takes over.
  var NATIVE_REJECTIONS_MAX = 15;
  var NOTE_DEBOUNCE_MS = 800;   // a note is saved this long after the last keystroke
  var AVATAR_HUES = 6;          // eventnet.templating.AVATAR_HUES

  var state = {
    decoder: null,              // "native" or "zxing" once chosen
    detector: null,
    stream: null,
    busy: false,
    handled: {},                // badge URL -> client UUID of its scan on this page
    lastText: null,
    lastTextAt: 0,
    current: null,              // client UUID of the card on the sheet; the camera is paused while set
    dismissed: null,            // badge URL of the sheet last closed, not reopened until another badge is seen
    timings: [],                // decode -> card shown, decode -> name shown (ms), for the benchmark
    flashTimer: null
  };

  var queue = new window.EventnetQueue({
    slug: cfg.eventSlug,
    attendeeId: attendeeId,
    scanApi: cfg.scanApi,
    noteApi: cfg.noteApi,
    sessionApi: cfg.sessionApi,
    messages: { refused: T.refused },
    onChange: function () { refresh(); }
  });

  // ------------------------------------------------------------------------------ what a QR holds

  // Only this deployment's badge URLs count; anything else (a sticker over a badge, a website,
  // a Wi-Fi code) is ignored, so that a QR can never send the scanner elsewhere.
  function badgeUrl(text) {
    var base, url;
    try {
      base = new URL(cfg.badgeBase);
      url = new URL(String(text).trim());
    } catch (error) {
      return null;
    }
    if (url.origin !== base.origin || url.pathname.indexOf(base.pathname) !== 0) { return null; }
    var token = url.pathname.slice(base.pathname.length).replace(/\/$/, "");
    if (!TOKEN_RE.test(token) || url.username || url.password) { return null; }
    return base.href + token;
  }

  // ------------------------------------------------------------------------------ feedback

  function setStatus(text) { statusEl.textContent = text; }

  function flash(text, kind) {
    flashEl.textContent = text;
    flashEl.className = "scan-flash" + (kind ? " scan-flash-" + kind : "");
    flashEl.hidden = false;
    clearTimeout(state.flashTimer);
    state.flashTimer = setTimeout(function () { flashEl.hidden = true; }, 1600);
  }

  function contactUrl(connectionId) {
    return cfg.contactUrl.replace(/\/0$/, "/" + connectionId);
  }

  function stateText(record) {
    if (record.state === "synced") {
      return record.status === "already_connected" ? T.known : T.new;
    }
    if (record.state === "rejected") { return fill(T.unsavedWhy, { reason: record.message || T.scanNo }); }
    return T.pend;
  }

  function noteStateText(record) {
    if (record.note_state === "pending") { return navigator.onLine ? T.saving : T.notePend; }
    if (record.note_state === "synced") { return T.saved; }
    if (record.note_state === "rejected") { return fill(T.unsavedWhy, { reason: record.note_message || T.noteNo }); }
    return "";
  }

  // The face on the sheet: what templates/_avatar.html draws (keep the two in step), from the
  // card the scan API answered: the photo when the card carries one, else initials on a hue.
  function initials(name) {
    var words = String(name || "").split(/\s+/).filter(function (w) { return /[\p{L}\p{N}]/u.test(w); });
    if (!words.length) { return "?"; }
    var first = function (word) { return word.match(/[\p{L}\p{N}]/u)[0].toUpperCase(); };
    return words.length === 1 ? first(words[0]) : first(words[0]) + first(words[words.length - 1]);
  }

  function hue(name) {
    var sum = 0;
    for (var ch of String(name || "")) { sum += ch.codePointAt(0); }
    return sum % AVATAR_HUES;
  }

  function renderAvatar(slot, contact, known) {
    var name = known ? (contact.name || "") : "";
    var photo = known && contact.photo_url;
    var face;
    if (photo) {
      face = document.createElement("img");
      face.src = photo;
      face.alt = "";
      face.width = face.height = 40;
    } else {
      face = document.createElement("span");
      face.textContent = known ? initials(name) : "?";
      face.className = "avatar-hue-" + hue(name);
    }
    face.classList.add("avatar", "avatar-sm");
    face.setAttribute("aria-hidden", "true");
    face.dataset.field = "avatar";
    if (slot.outerHTML !== face.outerHTML) { slot.replaceWith(face); }
  }

  // While the sheet is open the page behind it is inert: a Tab never lands on a control hidden
  // under the sheet (WCAG 2.2 SC 2.4.11). The tab bar stays usable (the sheet ends above it).
  function setBackgroundInert(on) {
    var main = document.getElementById("main") || document.body;
    // The header too: the sheet and its dimmed backdrop cover it.
    Array.prototype.forEach.call(document.body.children, function (el) {
      if (el !== main && !el.classList.contains("tabbar")) { el.inert = on; }
    });
    Array.prototype.forEach.call(main.children, function (el) { if (el !== root) { el.inert = on; } });
    Array.prototype.forEach.call(root.children, function (el) {
      if (el !== resultEl && el.tagName !== "TEMPLATE") { el.inert = on; }
    });
    document.documentElement.classList.toggle("scan-sheet-open", on);
  }

  // "Next badge" (or Escape): close the sheet and scan again. The badge just closed is usually
  // still in front of the camera: it is not opened again until another badge has been seen.
  function closeSheet() {
    var sheet = resultEl.querySelector("[data-sheet]");
    if (!sheet) { return; }
    var form = sheet.querySelector("[data-note-form]");
    if (form && form.flushNote) { form.flushNote(); }
    state.dismissed = sheet.dataset.badge || null;
    resultEl.replaceChildren();
    state.current = null;
    setBackgroundInert(false);
    setStatus(T.next);
    statusEl.focus({ preventScroll: true });
  }

  function buildSheet(record) {
    var sheet = template.content.firstElementChild.cloneNode(true);
    var form = sheet.querySelector("[data-note-form]");
    var textarea = form.querySelector("textarea");
    var tags = form.elements.tags;
    var star = form.elements.starred;
    // The prompted parts (chips that open labelled inputs) and the promises added on this sheet.
    var PARTS = ["works_on", "needs", "offers"];
    var promises = (record.promises || []).slice();
    var promiseText = form.elements.promise;
    var promiseDue = form.elements.promise_due;
    var promiseList = form.querySelector("[data-promise-list]");
    var showPromises = function () {
      promiseList.replaceChildren.apply(promiseList, promises.map(function (p) {
        var li = document.createElement("li");
        li.className = "promise";
        li.textContent = p.due_on ? fill(T.due, { promise: p.text, date: dayMonth.format(new Date(p.due_on + "T00:00:00Z")) })
          : p.text;
        return li;
      }));
    };
    PARTS.forEach(function (name) {
      form.elements[name].value = record[name] || "";
      if (record[name]) { form.elements[name].closest("details").open = true; }
    });
    showPromises();
    textarea.value = record.note || "";
    tags.value = (record.tags || []).join(", ");
    star.checked = !!record.starred;
    var intent = form.querySelector('input[name="intent"][value="' + (record.intent || "none") + '"]');
    if (intent) { intent.checked = true; }
    var timer = null;
    // Every save carries the whole form: the newest edit replaces a waiting one in the queue,
    // which keeps it on the phone (IndexedDB) until the server confirms it, offline too.
    var save = function () {
      clearTimeout(timer);
      timer = null;
      var chosen = form.querySelector('input[name="intent"]:checked');
      var fields = {
        note: textarea.value,
        tags: tags.value.split(",").map(function (tag) { return tag.trim(); }).filter(Boolean),
        starred: star.checked,
        intent: chosen ? chosen.value : "none",
        promises: promises
      };
      PARTS.forEach(function (name) { fields[name] = form.elements[name].value; });
      return queue.saveNote(sheet.dataset.uuid, fields);
    };
    // "Add promise": the promise joins the sheet's list, which every save carries whole (so a
    // newer edit waiting in the queue never drops it); the server adds each text once.
    var addPromise = function () {
      var text = promiseText.value.replace(/\s+/g, " ").trim();
      if (!text) { promiseText.focus(); return; }
      var known = promises.some(function (p) { return p.text.toLowerCase() === text.toLowerCase(); });
      if (!known) { promises.push({ text: text.slice(0, 300), due_on: promiseDue.value || null }); }
      promiseText.value = "";
      promiseDue.value = "";
      showPromises();
      save();
    };
    var later = function () {
      clearTimeout(timer);
      timer = setTimeout(save, NOTE_DEBOUNCE_MS);
    };
    // Closing the sheet with an edit still waiting for its debounce saves it at once.
    form.flushNote = function () { if (timer) { save(); } };
    textarea.addEventListener("input", later);
    tags.addEventListener("input", later);
    PARTS.forEach(function (name) { form.elements[name].addEventListener("input", later); });
    form.addEventListener("change", function (event) {
      if (event.target.type === "radio" || event.target.type === "checkbox") { save(); }
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (event.submitter && event.submitter.name === "add_promise") {
        addPromise();
      } else {
        save();
      }
    });
    sheet.querySelector("[data-next]").addEventListener("click", closeSheet);
    sheet.addEventListener("keydown", function (event) {
      if (event.key === "Escape") {
        event.preventDefault();
        closeSheet();
      }
    });
    return sheet;
  }

  // Draws the sheet for a scan. `fresh` opens it anew (a hit, a tap on the strip); otherwise the
  // open sheet's labels are brought up to date in place (the queue synced, the name arrived),
  // never its form: what is being typed, and where the focus is, stay as they are.
  function renderCard(record, fresh) {
    var sheet = resultEl.querySelector("[data-sheet]");
    if (!sheet || fresh) {
      sheet = buildSheet(record);
      resultEl.replaceChildren(sheet);
      setBackgroundInert(true);
      // Focus goes to the name, not the note box: the person may still be talking, and a
      // keyboard popping up unasked would hide the chips and the star. A tap on the box opens it.
      sheet.querySelector("#scan-card-name").focus({ preventScroll: true });
    }
    sheet.dataset.uuid = record.client_uuid;
    sheet.dataset.badge = record.token || "";
    sheet.dataset.state = record.state;
    var card = sheet.querySelector(".scan-card");
    card.dataset.uuid = record.client_uuid;
    card.dataset.state = record.state;
    var contact = record.contact || {};
    var known = record.state === "synced";
    var field = function (name) { return sheet.querySelector('[data-field="' + name + '"]'); };
    var setText = function (el, text) { if (el.textContent !== text) { el.textContent = text; } };
    setText(field("state"), stateText(record));
    setText(field("name"), known ? (contact.name || T.deleted) : T.badge);
    setText(field("details"), [contact.headline, contact.company].filter(Boolean).join(" · "));
    renderAvatar(field("avatar"), contact, known && !!contact.name);
    var link = field("contact-link");
    var cardLink = field("card-link");
    if (record.connection_id) {
      link.href = contactUrl(record.connection_id);
      link.hidden = false;
    } else {
      link.hidden = true;
    }
    if (cardLink) {
      // What they get of my card: the server finds them from my contact (mycard.views.for_contact).
      cardLink.hidden = !(record.connection_id && contact.name);
      if (!cardLink.hidden) { cardLink.href = contactUrl(record.connection_id) + "/my-card"; }
    }
    sheet.querySelector("[data-note-form]").hidden = record.state === "rejected";
    keepInTouch(sheet, record);
    setText(sheet.querySelector("[data-note-state]"), noteStateText(record));
    return card;
  }

  // The "stay in touch" switch needs the connection on the server: it appears once the scan
  // is synced, pointed at that contact, and htmx swaps the server's answer in its place.
  function keepInTouch(sheet, record) {
    var form = sheet.querySelector("[data-keep-in-touch-sheet]");
    if (!form) { return; }
    if (!(record.state === "synced" && record.connection_id && record.contact && record.contact.name)) {
      form.hidden = true;
      return;
    }
    if (form.dataset.connectionId === String(record.connection_id)) { return; }
    var url = contactUrl(record.connection_id) + "/keep-in-touch";
    form.dataset.connectionId = String(record.connection_id);
    form.action = url;
    form.setAttribute("hx-post", url);
    form.setAttribute("hx-target", "this");
    form.setAttribute("hx-swap", "outerHTML");
    form.hidden = false;
    if (window.htmx) { window.htmx.process(form); }
  }

  function renderStrip(records) {
    var section = root.querySelector("[data-history-section]");
    section.hidden = records.length === 0;
    stripEl.replaceChildren.apply(stripEl, records.map(function (record) {
      var li = document.createElement("li");
      li.className = "scan-strip-item scan-" + record.state;
      var button = document.createElement("button");
      button.type = "button";
      button.className = "link";
      button.dataset.uuid = record.client_uuid;
      button.textContent = record.state === "synced" ? ((record.contact && record.contact.name) || T.deleted)
        : record.state === "rejected" ? T.unsaved : T.pend;
      button.addEventListener("click", function () { show(record.client_uuid, true); });
      var time = document.createElement("span");
      time.className = "muted small";
      time.textContent = " " + clock.format(new Date(record.scanned_at));
      li.append(button, time);
      return li;
    }));
  }

  function refresh() {
    return Promise.all([queue.counts(), queue.recent(8)]).then(function (results) {
      var counts = results[0];
      // Nothing scanned yet on this phone: nothing to say ("All scans synced" before any scan
      // only made people wonder what had been synced).
      var text = counts.mine ? counted(navigator.onLine ? T.wait : T.waitOff, counts.mine)
        : results[1].length ? T.synced : "";
      if (counts.others) { text += " · " + counted(T.others, counts.others); }
      countEl.textContent = text;
      countEl.dataset.waiting = String(counts.mine);
      renderStrip(results[1]);
      if (state.current) {
        return queue.get(state.current).then(function (record) {
          if (!record) { return; }
          renderCard(record, false);
          var timing = state.timings.find(function (t) { return t.uuid === record.client_uuid; });
          if (timing && record.state === "synced" && timing.named === undefined) {
            timing.named = performance.now() - timing.decodedAt;
            flash(record.contact && record.contact.name ? record.contact.name : T.saved, "ok");
          }
        });
      }
    });
  }

  function show(uuid, fresh) {
    state.current = uuid;
    return queue.get(uuid).then(function (record) {
      if (record) { renderCard(record, fresh); }
    });
  }

  // ------------------------------------------------------------------------------ a decoded QR

  // Every decoded text comes through here: from the camera loop, and from tests that feed
  // payloads once a real decode has been proven.
  function handleDecoded(text) {
    var now = performance.now();
    // The sheet is open: someone is writing about the person they just met. Another badge in
    // the frame (a crowd, a lanyard swinging) must not replace that card nor move the focus.
    if (state.current) { return Promise.resolve({ paused: true }); }
    if (text === state.lastText && now - state.lastTextAt < SAME_CODE_MS) {
      return Promise.resolve({ repeated: true });
    }
    state.lastText = text;
    state.lastTextAt = now;
    var url = badgeUrl(text);
    if (!url) {
      flash(T.notBadge, "warn");
      setStatus(T.notBadgeWhy);
      return Promise.resolve({ ignored: true });
    }
    if (navigator.vibrate) { try { navigator.vibrate(60); } catch (ignored) { /* not allowed yet */ } }
    flash(T.scanned, "ok");
    if (url === state.dismissed) { return Promise.resolve({ dismissed: true }); }
    state.dismissed = null;
    var known = state.handled[url];
    if (known) {
      setStatus(T.again);
      return show(known, true).then(function () { return { client_uuid: known, repeated: true }; });
    }
    var clientUuid = window.EventnetQueue.newUuid();
    state.handled[url] = clientUuid;
    var timing = { uuid: clientUuid, decodedAt: now };
    state.timings.push(timing);
    return queue.addScan({ client_uuid: clientUuid, token: url, scanned_at: new Date().toISOString() })
      .then(function () { return show(clientUuid, true); })
      .then(function () {
        timing.shown = performance.now() - now;
        setStatus(navigator.onLine ? T.paused : T.pausedOff);
        return { client_uuid: clientUuid };
      });
  }

  // ------------------------------------------------------------------------------ camera and decoder

  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = src;
      script.onload = resolve;
      script.onerror = function () { reject(new Error("could not load " + src)); };
      document.head.appendChild(script);
    });
  }

  function nativeDetector() {
    var force = new URLSearchParams(location.search).get("decoder") === "fallback";
    if (force || !("BarcodeDetector" in window) || !window.BarcodeDetector.getSupportedFormats) {
      return Promise.resolve(null);
    }
    return window.BarcodeDetector.getSupportedFormats().then(function (formats) {
      return formats.indexOf("qr_code") !== -1 ? new window.BarcodeDetector({ formats: ["qr_code"] }) : null;
    }, function () { return null; });
  }

  function createDetector() {
    return nativeDetector().then(function (native) {
      if (native) {
        state.decoder = "native";
        return native;
      }
      return fallbackDetector();
    });
  }

  function fallbackDetector() {
    // The fallback: ~15 KB of script and a ~360 KB (brotli) wasm, fetched only on this path
    // and cached by the service worker. Without locateFile it would fetch the wasm from a CDN.
    return loadScript(cfg.decoderScript).then(function () {
      var api = window.BarcodeDetectionAPI;
      api.prepareZXingModule({
        overrides: {
          locateFile: function (path, prefix) {
            return path.slice(-5) === ".wasm" ? cfg.decoderWasm : prefix + path;
          }
        },
        fireImmediately: true
      });
      state.decoder = "zxing";
      if (navigator.serviceWorker) {
        navigator.serviceWorker.ready.then(function (registration) {
          if (registration.active) {
            registration.active.postMessage({ type: "keep-decoder", urls: [cfg.decoderScript, cfg.decoderWasm] });
          }
        });
      }
      return new api.BarcodeDetector({ formats: ["qr_code"] });
    });
  }

  // The native detector keeps rejecting: switch to the bundled one for the rest of the visit.
  function abandonNative() {
    state.busy = true;  // no decode attempt while the fallback loads
    fallbackDetector().then(function (detector) {
      state.detector = detector;
      root.dataset.decoder = state.decoder;
      state.busy = false;
    }, function () {
      state.busy = false;
      showHelp("decoder");
    });
  }

  function platform() {
    var ua = navigator.userAgent;
    if (/iPad|iPhone|iPod/.test(ua) || (navigator.platform === "MacIntel" && navigator.maxTouchPoints > 1)) { return "ios"; }
    if (/Firefox|FxiOS/.test(ua)) { return "firefox"; }
    if (/Android/.test(ua)) { return "android"; }
    return "desktop";
  }

  var REASONS = T.reasons;

  function showHelp(kind) {
    var which = platform();
    root.querySelector("[data-help-reason]").textContent = REASONS[kind] || REASONS.denied;
    help.querySelectorAll("[data-platform]").forEach(function (block) {
      block.hidden = !(kind === "denied" && block.dataset.platform === which);
    });
    help.dataset.reason = kind;
    help.hidden = false;
    // The help box says it (its title and the reason): the status line would say it a third time.
    setStatus("");
    statusEl.hidden = true;
    root.querySelector(".scanner-view").hidden = true;
  }

  function errorKind(error) {
    var name = error && error.name;
    if (name === "NotAllowedError" || name === "SecurityError" || name === "PermissionDeniedError") { return "denied"; }
    if (name === "NotReadableError" || name === "TrackStartError" || name === "AbortError") { return "busy"; }
    return "missing";
  }

  function decodeLoop() {
    if (!state.stream || !state.detector) { return; }
    var next = function () { setTimeout(decodeLoop, FRAME_GAP_MS); };
    if (document.visibilityState !== "visible" || video.readyState < 2 || state.busy || state.current) { next(); return; }
    state.busy = true;
    state.detector.detect(video).then(function (codes) {
      state.busy = false;
      state.rejections = 0;
      if (codes && codes.length) { handleDecoded(codes[0].rawValue); }
      next();
    }, function () {
      state.busy = false;
      state.rejections = (state.rejections || 0) + 1;
      if (state.decoder === "native" && state.rejections >= NATIVE_REJECTIONS_MAX) {
        state.rejections = 0;
        abandonNative();
      }
      next();
    });
  }

  function startCamera() {
    help.hidden = true;
    statusEl.hidden = false;
    root.querySelector(".scanner-view").hidden = false;
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      showHelp(window.isSecureContext === false ? "insecure" : "missing");
      return Promise.resolve(false);
    }
    setStatus(starting);
    return navigator.mediaDevices.getUserMedia({
      audio: false,
      video: { facingMode: { ideal: "environment" }, width: { ideal: 1280 }, height: { ideal: 720 } }
    }).then(function (stream) {
      state.stream = stream;
      video.srcObject = stream;
      return video.play().catch(function () { /* autoplay of a muted stream is allowed; keep going */ });
    }).then(function () {
      return (state.detector ? Promise.resolve(state.detector) : createDetector()).then(function (detector) {
        state.detector = detector;
        root.dataset.decoder = state.decoder;
        setStatus(T.point);
        decodeLoop();
        return true;
      }, function () {
        showHelp("decoder");
        return false;
      });
    }, function (error) {
      showHelp(errorKind(error));
      return false;
    });
  }

  // ------------------------------------------------------------------------------ start

  root.querySelector("[data-camera-section]").hidden = false;
  root.querySelector("[data-retry-camera]").addEventListener("click", function () { startCamera(); });

  // A fresh UUID for each typed-code submit, so a form shown again by the back button never
  // replays an earlier exchange under a different code.
  var codeForm = document.querySelector("[data-code-form]");
  if (codeForm) {
    codeForm.addEventListener("submit", function () {
      codeForm.querySelector("[data-client-uuid]").value = window.EventnetQueue.newUuid();
    });
  }
  window.addEventListener("online", refresh);
  window.addEventListener("offline", refresh);

  var ready = startCamera();
  queue.start();
  queue.prune();
  refresh();

  window.eventnetScanner = {
    handleDecoded: handleDecoded,
    queue: queue,
    ready: ready,
    timings: state.timings,
    get decoder() { return state.decoder; }
  };
})();
