// The scanner's offline queue: scans and note edits are written to IndexedDB first and leave it
// only when the server has confirmed them. Background-sync libraries drop items on any HTTP
// answer (a 500, a login page); this queue treats everything but an explicit confirmation or an
// explicit, permanent refusal as "try again later". Safari has no Background Sync, so the queue
// syncs on page load, when the network comes back, when the page becomes visible, and on a timer.
(function (global) {
  "use strict";

  var DB_NAME = "eventnet-queue";
  var DB_VERSION = 1;
  var QUEUE = "queue";   // items waiting for the server: key "scan:<uuid>" or "note:<uuid>"
  var SCANS = "scans";   // what the page shows: every scan of this phone, by client UUID
  var HISTORY_KEEP = 200;
  var NOTE_FIELDS = ["note", "tags", "starred", "intent", "works_on", "needs", "offers", "promises"];

  // Refusals that will never change: the item leaves the queue and the person sees why.
  var PERMANENT = {
    scan: ["self_scan", "foreign_url", "invalid_uuid", "invalid_scanned_at", "unknown_badge",
           "revoked_badge", "other_event", "scanning_closed", "scan_forgotten", "invalid_json"],
    note: ["invalid_uuid", "invalid_time", "invalid_note", "invalid_json", "note_invalid"]
  };

  function request(req) {
    return new Promise(function (resolve, reject) {
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }

  function openDb() {
    return new Promise(function (resolve, reject) {
      var req = indexedDB.open(DB_NAME, DB_VERSION);
      req.onupgradeneeded = function () {
        var db = req.result;
        if (!db.objectStoreNames.contains(QUEUE)) {
          db.createObjectStore(QUEUE, { keyPath: "key" }).createIndex("attendee", "attendee_id");
        }
        if (!db.objectStoreNames.contains(SCANS)) {
          db.createObjectStore(SCANS, { keyPath: "client_uuid" }).createIndex("attendee", "attendee_id");
        }
      };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
      req.onblocked = function () { reject(new Error("the queue database is blocked by another tab")); };
    });
  }

  // Run fn(stores) in one transaction; resolves with fn's result once the transaction commits,
  // so a caller never reports "saved" for a write that did not reach the disk.
  function transact(db, names, mode, fn) {
    return new Promise(function (resolve, reject) {
      var tx = db.transaction(names, mode);
      var stores = {};
      names.forEach(function (name) { stores[name] = tx.objectStore(name); });
      var result;
      Promise.resolve(fn(stores)).then(function (value) { result = value; }, function (error) {
        try { tx.abort(); } catch (ignored) { /* already finished */ }
        reject(error);
      });
      tx.oncomplete = function () { resolve(result); };
      tx.onerror = function () { reject(tx.error); };
      tx.onabort = function () { reject(tx.error || new Error("transaction aborted")); };
    });
  }

  function newUuid() {
    if (global.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function Queue(options) {
    this.slug = options.slug;
    this.attendeeId = options.attendeeId;
    this.scanApi = options.scanApi;
    this.noteApi = options.noteApi;          // contains CLIENT_UUID, replaced per item
    this.sessionApi = options.sessionApi;
    this.onChange = options.onChange || function () {};
    // The words a person may see, from the page (scanner.js); last_error is for debugging only.
    this.messages = options.messages || {};
    this.timeoutMs = options.timeoutMs || 15000;
    this.baseDelayMs = options.baseDelayMs || 1000;
    this.maxDelayMs = options.maxDelayMs || 60000;
    this.intervalMs = options.intervalMs || 30000;
    this.csrfToken = options.csrfToken || "";
    this.db = openDb();
    this._running = null;
    this._again = false;
    this._timer = null;
    this._stalled = 0;
    this.lastRun = null;                      // what the last sync run ended with (for the page and tests)
  }

  Queue.prototype._mine = function (record) {
    return record.attendee_id === this.attendeeId && record.slug === this.slug;
  };

  Queue.prototype._all = function (storeName) {
    var self = this;
    return this.db.then(function (db) {
      return transact(db, [storeName], "readonly", function (s) { return request(s[storeName].getAll()); });
    }).then(function (rows) { return rows || []; }).then(function (rows) {
      return { mine: rows.filter(self._mine, self), others: rows.filter(function (r) { return !self._mine(r); }) };
    });
  };

  // A scan: stored (queue item and history row in one transaction) before anything is sent.
  Queue.prototype.addScan = function (scan) {
    var self = this;
    var clientUuid = scan.client_uuid || newUuid();
    var now = Date.now();
    var item = {
      key: "scan:" + clientUuid, kind: "scan", client_uuid: clientUuid, attendee_id: this.attendeeId,
      slug: this.slug, token: scan.token, scanned_at: scan.scanned_at || new Date(now).toISOString(),
      created_at: now, rev: 1, attempts: 0, next_at: 0, last_error: null
    };
    var record = {
      client_uuid: clientUuid, attendee_id: this.attendeeId, slug: this.slug, token: scan.token,
      scanned_at: item.scanned_at, state: "pending", contact: null, connection_id: null,
      message: null, note: "", note_state: null
    };
    return this.db.then(function (db) {
      return transact(db, [QUEUE, SCANS], "readwrite", function (s) {
        s[QUEUE].put(item);
        s[SCANS].put(record);
      });
    }).then(function () {
      self._changed();
      self.sync();
      return record;
    });
  };

  // A note edit (note, tags, starred, intent, the prompted parts and promises), keyed by the scan's client UUID (offline the
  // connection id is unknown). A newer edit replaces the waiting one: each edit carries the whole
  // form, and the server keeps the latest. A string is a note alone.
  Queue.prototype.saveNote = function (clientUuid, fields) {
    var self = this;
    if (typeof fields === "string") { fields = { note: fields }; }
    var editedAt = new Date().toISOString();
    return this.db.then(function (db) {
      return transact(db, [QUEUE, SCANS], "readwrite", function (s) {
        return request(s[QUEUE].get("note:" + clientUuid)).then(function (old) {
          var item = {
            key: "note:" + clientUuid, kind: "note", client_uuid: clientUuid, attendee_id: self.attendeeId,
            slug: self.slug, edited_at: editedAt, created_at: old ? old.created_at : Date.now(),
            rev: old ? old.rev + 1 : 1, attempts: 0, next_at: 0, last_error: null
          };
          NOTE_FIELDS.forEach(function (name) { if (fields[name] !== undefined) { item[name] = fields[name]; } });
          s[QUEUE].put(item);
          return request(s[SCANS].get(clientUuid));
        }).then(function (record) {
          if (record) {
            NOTE_FIELDS.forEach(function (name) { if (fields[name] !== undefined) { record[name] = fields[name]; } });
            record.note_state = "pending";
            s[SCANS].put(record);
          }
        });
      });
    }).then(function () {
      self._changed();
      self.sync();
    });
  };

  Queue.prototype.get = function (clientUuid) {
    return this.db.then(function (db) {
      return transact(db, [SCANS], "readonly", function (s) { return request(s[SCANS].get(clientUuid)); });
    });
  };

  // How many items wait: this attendee's, and other accounts' (kept until they log in again).
  Queue.prototype.counts = function () {
    return this._all(QUEUE).then(function (rows) {
      return { mine: rows.mine.length, others: rows.others.length,
               scans: rows.mine.filter(function (r) { return r.kind === "scan"; }).length };
    });
  };

  Queue.prototype.recent = function (limit) {
    return this._all(SCANS).then(function (rows) {
      return rows.mine.sort(function (a, b) { return a.scanned_at < b.scanned_at ? 1 : -1; }).slice(0, limit || 10);
    });
  };

  Queue.prototype._changed = function () {
    try { this.onChange(); } catch (error) { if (global.console) { console.error(error); } }
  };

  // ----------------------------------------------------------------------------------- syncing

  // One run at a time per page, and across tabs where Web Locks exist; a sync asked for during a
  // run starts another run after it, so nothing added meanwhile waits for the timer.
  Queue.prototype.sync = function () {
    var self = this;
    if (this._running) {
      this._again = true;
      return this._running;
    }
    var run = function () { return self._run(); };
    var locked = (global.navigator && navigator.locks && navigator.locks.request)
      ? navigator.locks.request("eventnet-sync", run) : run();
    this._running = Promise.resolve(locked).catch(function (error) {
      if (global.console) { console.error("sync failed", error); }
      return { error: String(error) };
    }).then(function (result) {
      self._running = null;
      self.lastRun = result;
      // A run that could not finish (logged out, server down) makes the next one wait longer,
      // so a logged-out phone does not ask every second; a finished run resets the pace.
      self._stalled = result && result.waiting ? (self._stalled || 0) + 1 : 0;
      self._changed();
      if (self._again) {
        self._again = false;
        return self.sync();
      }
      return self._schedule().then(function () { return result; });
    });
    return this._running;
  };

  Queue.prototype._fetch = function (url, init) {
    var controller = global.AbortController ? new AbortController() : null;
    var timer = controller ? setTimeout(function () { controller.abort(); }, this.timeoutMs) : null;
    init.credentials = "same-origin";
    init.redirect = "manual";   // a login redirect is an answer to look at, not a page to follow
    init.cache = "no-store";
    if (controller) { init.signal = controller.signal; }
    return fetch(url, init).finally(function () { if (timer) { clearTimeout(timer); } });
  };

  function readJson(response) {
    var type = response.headers.get("Content-Type") || "";
    if (type.indexOf("application/json") === -1) { return Promise.resolve(null); }
    return response.json().catch(function () { return null; });
  }

  // Who is logged in now, and a fresh CSRF token. The page may come from the service worker's
  // cache, and another person may have logged in on this phone since it was rendered.
  Queue.prototype._session = function () {
    var self = this;
    return this._fetch(this.sessionApi, { method: "GET", headers: { Accept: "application/json" } })
      .then(function (response) {
        return readJson(response).then(function (body) {
          if (response.status === 200 && body && typeof body.attendee_id === "number") {
            self.csrfToken = body.csrf_token;
            return { ok: true, attendeeId: body.attendee_id };
          }
          if (response.type === "opaqueredirect" || response.status === 401 || response.status === 403) {
            return { ok: false, reason: "login" };
          }
          return { ok: false, reason: "server" };
        });
      }, function () { return { ok: false, reason: "network" }; });
  };

  Queue.prototype._classify = function (item, response, body) {
    var ok = response.status >= 200 && response.status < 300 && body;
    if (item.kind === "scan" && ok && (body.status === "new" || body.status === "already_connected") && body.connection_id) {
      return { outcome: "confirmed", body: body };
    }
    if (item.kind === "note" && ok && (body.status === "saved" || body.status === "stale")) {
      return { outcome: "confirmed", body: body };
    }
    var code = body && body.error && body.error.code;
    var message = body && body.error && body.error.message;
    if (response.type === "opaqueredirect" || (response.status >= 300 && response.status < 400) ||
        response.status === 401 || code === "csrf_failed" || code === "login_required" ||
        (response.status === 403 && code !== "scanning_closed") || (response.status === 400 && !code)) {
      return { outcome: "auth", message: "login" };
    }
    if (response.status >= 400 && response.status < 500 && code && PERMANENT[item.kind].indexOf(code) !== -1) {
      return { outcome: "rejected", code: code, message: message || this.messages.refused || code };
    }
    return { outcome: "retry", message: "http " + response.status };
  };

  Queue.prototype._send = function (item) {
    var self = this;
    var url, body;
    if (item.kind === "scan") {
      url = this.scanApi;
      body = { token: item.token, client_uuid: item.client_uuid, scanned_at: item.scanned_at };
    } else {
      url = this.noteApi.replace("CLIENT_UUID", encodeURIComponent(item.client_uuid));
      body = { edited_at: item.edited_at, sent_at: new Date().toISOString(), attendee_id: item.attendee_id };
      NOTE_FIELDS.forEach(function (name) { if (item[name] !== undefined) { body[name] = item[name]; } });
    }
    return this._fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": this.csrfToken },
      body: JSON.stringify(body)
    }).then(function (response) {
      return readJson(response).then(function (json) { return self._classify(item, response, json); });
    }, function (error) {
      return { outcome: "retry", message: error && error.name === "AbortError" ? "timeout" : "network" };
    });
  };

  Queue.prototype._run = async function () {
    if (global.navigator && navigator.onLine === false) { return { offline: true }; }
    if (!(await this._all(QUEUE)).mine.length) { return { done: true, sent: 0 }; }   // nothing to send: no request
    var session = await this._session();
    if (!session.ok) { return { waiting: session.reason }; }
    if (session.attendeeId !== this.attendeeId) {
      // Another person is logged in now: this page's items are not theirs to send.
      return { waiting: "other_attendee" };
    }
    var items = (await this._all(QUEUE)).mine;
    items.sort(function (a, b) {
      if (a.kind !== b.kind) { return a.kind === "scan" ? -1 : 1; }   // a note needs its scan first
      return a.created_at - b.created_at;
    });
    var sent = 0, failures = 0, deferred = 0, refreshed = false, now = Date.now();
    var waitingScans = {};
    items.forEach(function (item) { if (item.kind === "scan") { waitingScans[item.client_uuid] = true; } });
    for (var i = 0; i < items.length; i++) {
      var item = items[i];
      if (item.next_at > now) { continue; }
      if (item.kind === "note" && waitingScans[item.client_uuid]) { continue; }   // scans sort first: this one's scan failed
      var result = await this._send(item);
      if (result.outcome === "auth" && !refreshed) {
        // An expired CSRF token or session: ask once who is logged in, then try this item again.
        refreshed = true;
        session = await this._session();
        if (!session.ok || session.attendeeId !== this.attendeeId) {
          return { waiting: session.ok ? "other_attendee" : session.reason, sent: sent };
        }
        result = await this._send(item);
      }
      if (result.outcome === "confirmed") {
        await this._confirm(item, result.body);
        if (item.kind === "scan") { delete waitingScans[item.client_uuid]; }
        sent += 1;
        failures = 0;
      } else if (result.outcome === "rejected") {
        await this._reject(item, result.message);
        sent += 1;
      } else if (result.outcome === "auth") {
        await this._defer(item, result.message);
        return { waiting: "login", sent: sent };
      } else {
        await this._defer(item, result.message);
        deferred += 1;
        failures += 1;
        if (failures >= 3) { return { waiting: "server", sent: sent }; }   // do not hammer a sick server
      }
      this._changed();
    }
    return deferred ? { waiting: "retry", sent: sent } : { done: true, sent: sent };
  };

  // The item leaves the queue in the same transaction that records what the server said; a
  // note edited again while its previous version was in flight stays (its rev moved on).
  Queue.prototype._confirm = function (item, body) {
    return this.db.then(function (db) {
      return transact(db, [QUEUE, SCANS], "readwrite", function (s) {
        return request(s[QUEUE].get(item.key)).then(function (current) {
          if (current && current.rev === item.rev) { s[QUEUE].delete(item.key); }
          return request(s[SCANS].get(item.client_uuid)).then(function (record) {
            if (!record) { return; }
            if (item.kind === "scan") {
              record.state = "synced";
              record.status = body.status;
              record.contact = body.contact || null;
              record.connection_id = body.connection_id;
              record.message = null;
            } else if (!current || current.rev === item.rev) {
              record.note_state = "synced";
              if (Array.isArray(body.tags)) { record.tags = body.tags; }   // as the server normalised them
            }
            s[SCANS].put(record);
          });
        });
      });
    });
  };

  Queue.prototype._reject = function (item, message) {
    return this.db.then(function (db) {
      return transact(db, [QUEUE, SCANS], "readwrite", function (s) {
        s[QUEUE].delete(item.key);
        if (item.kind === "scan") { s[QUEUE].delete("note:" + item.client_uuid); }
        return request(s[SCANS].get(item.client_uuid)).then(function (record) {
          if (!record) { return; }
          if (item.kind === "scan") {
            record.state = "rejected";
            record.message = message;
            if (record.note_state === "pending") { record.note_state = "rejected"; }
          } else {
            record.note_state = "rejected";
            record.note_message = message;
          }
          s[SCANS].put(record);
        });
      });
    });
  };

  Queue.prototype._defer = function (item, message) {
    var self = this;
    return this.db.then(function (db) {
      return transact(db, [QUEUE], "readwrite", function (s) {
        return request(s[QUEUE].get(item.key)).then(function (current) {
          if (!current || current.rev !== item.rev) { return; }
          current.attempts += 1;
          var delay = Math.min(self.maxDelayMs, self.baseDelayMs * Math.pow(2, current.attempts - 1));
          current.next_at = Date.now() + delay * (0.75 + Math.random() * 0.5);   // jitter: phones do not retry in step
          current.last_error = message;
          s[QUEUE].put(current);
        });
      });
    });
  };

  // The next run: when the earliest deferred item is due (at least a second away).
  Queue.prototype._schedule = function () {
    var self = this;
    return this._all(QUEUE).then(function (rows) {
      if (self._timer) { clearTimeout(self._timer); self._timer = null; }
      if (!rows.mine.length) { return; }
      var due = Math.min.apply(null, rows.mine.map(function (r) { return r.next_at; }));
      var pause = self._stalled ? Math.min(self.maxDelayMs, self.baseDelayMs * Math.pow(2, self._stalled - 1)) : 0;
      self._timer = setTimeout(function () { self._timer = null; self.sync(); },
                               Math.max(1000, pause, due - Date.now()));
    });
  };

  Queue.prototype.start = function () {
    var self = this;
    var kick = function () { self.sync(); };
    global.addEventListener("online", kick);
    global.addEventListener("pageshow", kick);
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible") { kick(); }
    });
    setInterval(kick, this.intervalMs);
    kick();
    return this;
  };

  // Keep the history bounded: the oldest synced scans go first; waiting ones are never dropped.
  Queue.prototype.prune = function () {
    return this.db.then(function (db) {
      return transact(db, [SCANS], "readwrite", function (s) {
        return request(s[SCANS].getAll()).then(function (rows) {
          var done = rows.filter(function (r) { return r.state !== "pending" && r.note_state !== "pending"; })
            .sort(function (a, b) { return a.scanned_at < b.scanned_at ? 1 : -1; });
          done.slice(HISTORY_KEEP).forEach(function (r) { s[SCANS].delete(r.client_uuid); });
        });
      });
    });
  };

  global.EventnetQueue = Queue;
  global.EventnetQueue.newUuid = newUuid;
})(window);
