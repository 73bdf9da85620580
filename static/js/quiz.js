/* The quiz page, made smooth. Without this script the page is a plain form that still works.
 *
 * - Countdown from the server's deadline and the server's clock (data-server-now), never the
 *   phone's own time: offset = server now - phone now, re-measured when the page wakes up.
 * - Each choice is saved at once through the JSON API (PUT /api/v1/attempts/{id}/answers/{q}).
 *   Unsaved choices wait in localStorage (keyed by attempt id) and are retried with backoff and
 *   when the browser reports it is back online, so a dropped network loses nothing.
 * - Submitting asks for confirmation listing unanswered questions; the submit carries every
 *   choice not yet acknowledged (SPEC §5). At zero the script submits by itself.
 * - The visible clock is silent for screen readers (role=timer); a separate polite live region
 *   says "5 minutes left" and "1 minute left", once each.
 * - Every word shown comes from the page's translated JSON block #quiz-i18n: no text lives here.
 */
(function () {
  "use strict";

  var form = document.getElementById("quiz-form");
  if (!form || !window.fetch || !window.JSON || !Date.now) {
    return;
  }
  var messages = readMessages();
  if (messages === null) {
    return; // no translated text: leave the plain form, which works without this script
  }

  function readMessages() {
    var block = document.getElementById("quiz-i18n");
    try {
      var parsed = block ? JSON.parse(block.textContent) : null;
      return parsed && typeof parsed === "object" ? parsed : null;
    } catch (e) {
      return null;
    }
  }

  var data = form.dataset;
  var attemptId = data.attemptId;
  var deadline = Date.parse(data.deadline);
  var graceMs = (parseInt(data.graceSeconds, 10) || 0) * 1000;
  var offset = Date.parse(data.serverNow) - Date.now();
  var csrfMeta = document.querySelector('meta[name="csrf-token"]');
  var csrfToken = csrfMeta ? csrfMeta.getAttribute("content") : "";
  var statusEl = document.getElementById("save-status");
  var countEl = document.getElementById("answered-count");
  var timerEl = document.getElementById("countdown");
  var announcerEl = document.getElementById("timer-announcer");
  var dialog = document.getElementById("submit-dialog");
  var predictionInput = form.querySelector('input[name="prediction"]');
  var fieldsets = Array.prototype.slice.call(form.querySelectorAll("fieldset[data-question-id]"));
  var storeKey = "quiz-attempt-" + attemptId;

  var MIN_RETRY_MS = 1000;
  var MAX_RETRY_MS = 30000;

  var store = loadStore();         // {answers: {questionId: choiceId}, prediction: string|null}
  var acked = {};                  // questionId -> choiceId the server has confirmed
  var inFlight = null;             // questionId being sent
  var retryDelay = 0;
  var retryTimer = null;
  var lastSavedOk = false;
  var closed = false;              // submitted or refused: stop sending
  var submitting = false;
  var timerHandle = null;
  // Spoken once each, when the time left first drops to them; passed already at load: not spoken.
  var warnings = [
    { at: 5 * 60 * 1000, text: messages.fiveMinutesLeft, done: false },
    { at: 60 * 1000, text: messages.oneMinuteLeft, done: false }
  ];
  var firstTick = true;

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, key) {
      return values[key] !== undefined ? String(values[key]) : "";
    });
  }

  // --- storage: the queue survives reloads and crashes ---------------------------------------

  function loadStore() {
    var empty = { answers: {}, prediction: null };
    try {
      var raw = window.localStorage.getItem(storeKey);
      var parsed = raw ? JSON.parse(raw) : null;
      if (parsed && typeof parsed.answers === "object" && parsed.answers !== null) {
        return { answers: parsed.answers, prediction: parsed.prediction === undefined ? null : parsed.prediction };
      }
    } catch (e) { /* private mode or corrupt entry: start empty */ }
    return empty;
  }

  function persist() {
    try {
      if (Object.keys(store.answers).length === 0 && store.prediction === null) {
        window.localStorage.removeItem(storeKey);
      } else {
        window.localStorage.setItem(storeKey, JSON.stringify(store));
      }
    } catch (e) { /* storage full or disabled: the in-memory queue still works */ }
  }

  function forget() {
    store = { answers: {}, prediction: null };
    persist();
  }

  function queuedCount() {
    return Object.keys(store.answers).length;
  }

  // --- the form --------------------------------------------------------------------------------

  function checkedChoice(fieldset) {
    var input = fieldset.querySelector('input[type="radio"]:checked');
    return input ? parseInt(input.value, 10) : null;
  }

  function fieldsetFor(questionId) {
    for (var i = 0; i < fieldsets.length; i++) {
      if (fieldsets[i].dataset.questionId === String(questionId)) {
        return fieldsets[i];
      }
    }
    return null;
  }

  function selectChoice(questionId, choiceId) {
    var fieldset = fieldsetFor(questionId);
    if (!fieldset) {
      return false;
    }
    var input = fieldset.querySelector('input[type="radio"][value="' + choiceId + '"]');
    if (!input) {
      return false;
    }
    input.checked = true;
    return true;
  }

  function unansweredNumbers() {
    return fieldsets.filter(function (f) { return checkedChoice(f) === null; })
      .map(function (f) { return parseInt(f.dataset.number, 10); });
  }

  // --- palette and indicator -------------------------------------------------------------------

  function updatePalette() {
    var done = 0;
    fieldsets.forEach(function (fieldset) {
      var qid = fieldset.dataset.questionId;
      var item = document.querySelector('.palette-item[data-question-id="' + qid + '"]');
      var choice = checkedChoice(fieldset);
      var pending = Object.prototype.hasOwnProperty.call(store.answers, qid);
      var values = { n: fieldset.dataset.number };
      if (choice !== null) {
        done += 1;
      }
      if (!item) {
        return;
      }
      item.classList.toggle("is-answered", choice !== null && !pending);
      item.classList.toggle("is-pending", pending);
      item.setAttribute("aria-label", fill(
        pending ? messages.itemPending : (choice !== null ? messages.itemAnswered : messages.itemEmpty), values));
    });
    countEl.textContent = fill(messages.answered, { done: done, total: fieldsets.length });
  }

  function setStatus(state, text) {
    statusEl.dataset.state = state;
    statusEl.className = "save-status is-" + state;
    statusEl.textContent = text;
  }

  function showQueueState() {
    var n = queuedCount();
    if (closed) {
      return;
    }
    if (n === 0) {
      if (!navigator.onLine) {
        setStatus("offline", messages.offlineIdle);
      } else if (lastSavedOk) {
        setStatus("saved", messages.saved);
      } else {
        setStatus("idle", messages.ready);
      }
    } else if (inFlight !== null && navigator.onLine) {
      setStatus("saving", messages.saving);
    } else {
      setStatus("queued", fill(navigator.onLine ? messages.queued : messages.offline, { n: n }));
    }
    updatePalette();
  }

  // --- talking to the API ----------------------------------------------------------------------

  function request(method, url, body) {
    var options = {
      method: method,
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": csrfToken },
      cache: "no-store"
    };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(url, options).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (json) {
        return { status: response.status, ok: response.ok, body: json };
      });
    });
  }

  function scheduleRetry() {
    if (closed || retryTimer !== null) {
      return;
    }
    retryDelay = retryDelay ? Math.min(MAX_RETRY_MS, retryDelay * 2) : MIN_RETRY_MS;
    var wait = retryDelay + Math.floor(Math.random() * 500); // spread an office's phones apart
    retryTimer = window.setTimeout(function () {
      retryTimer = null;
      flush();
    }, wait);
  }

  function retryNow() {
    if (retryTimer !== null) {
      window.clearTimeout(retryTimer);
      retryTimer = null;
    }
    retryDelay = 0;
    flush();
  }

  function goToReceipt() {
    closed = true;
    window.clearInterval(timerHandle);
    forget();
    window.location.assign(data.receiptUrl);
  }

  function flush() {
    if (closed || submitting || inFlight !== null) {
      return;
    }
    var ids = Object.keys(store.answers);
    if (ids.length === 0) {
      showQueueState();
      return;
    }
    var qid = ids[0];
    var choice = store.answers[qid];
    inFlight = qid;
    showQueueState();
    request("PUT", data.saveUrl + qid, { choice_id: choice }).then(function (result) {
      inFlight = null;
      if (result.ok) {
        acked[qid] = choice;
        if (store.answers[qid] === choice) { // a newer choice made meanwhile stays queued
          delete store.answers[qid];
          persist();
        }
        retryDelay = 0;
        lastSavedOk = true;
        flush();
      } else if (result.status === 409) {
        goToReceipt(); // the attempt is over (time up or submitted elsewhere)
      } else if (result.status === 404 || result.status === 422) {
        delete store.answers[qid]; // the server will never take it: do not retry forever
        persist();
        setStatus("error", (result.body.error && result.body.error.message) || "");
        updatePalette();
        flush();
      } else if (result.status === 401 || result.status === 400) {
        setStatus("error", messages.session);
        updatePalette();
        scheduleRetry();
      } else {
        showQueueState();
        scheduleRetry();
      }
    }, function () {
      inFlight = null; // network down: keep it queued
      showQueueState();
      scheduleRetry();
    });
  }

  function queueAnswer(questionId, choiceId) {
    store.answers[questionId] = choiceId;
    persist();
    showQueueState();
    flush();
  }

  // --- time ------------------------------------------------------------------------------------

  function serverNow() {
    return Date.now() + offset;
  }

  function formatClock(ms) {
    var total = Math.max(0, Math.ceil(ms / 1000));
    var h = Math.floor(total / 3600);
    var m = Math.floor((total % 3600) / 60);
    var s = total % 60;
    var mm = (m < 10 ? "0" : "") + m;
    var ss = (s < 10 ? "0" : "") + s;
    return h ? h + ":" + mm + ":" + ss : mm + ":" + ss;
  }

  function announce(left) {
    var due = null;
    warnings.forEach(function (warning) {
      if (!warning.done && left <= warning.at) {
        warning.done = true;
        due = warning; // after a sleep several may pass at once: say only the latest
      }
    });
    if (due && !firstTick && left > 0 && announcerEl) {
      announcerEl.textContent = due.text;
    }
    firstTick = false;
  }

  function tick() {
    var left = deadline - serverNow();
    timerEl.textContent = formatClock(left);
    timerEl.classList.toggle("is-ending", left <= 60000);
    announce(left);
    if (left <= 0 && !submitting && !closed) {
      submit(true);
    }
  }

  function resync() {
    if (closed || !navigator.onLine) {
      return;
    }
    var sentAt = Date.now();
    request("GET", data.stateUrl).then(function (result) {
      if (!result.ok) {
        return;
      }
      if (result.body.status === "finished") {
        goToReceipt();
        return;
      }
      var roundTrip = Date.now() - sentAt;
      offset = Date.parse(result.body.server_now) + roundTrip / 2 - Date.now();
      deadline = Date.parse(result.body.deadline);
      tick();
    }, function () { /* offline: keep the old offset */ });
  }

  // --- submit ----------------------------------------------------------------------------------

  function readPrediction() {
    if (!predictionInput) {
      return { ok: true, value: null };
    }
    var text = predictionInput.value.replace(/[\s.]/g, "");
    if (text === "") {
      return { ok: true, value: null };
    }
    if (!/^\d{1,10}$/.test(text)) {
      return { ok: false, value: null };
    }
    return { ok: true, value: parseInt(text, 10) };
  }

  function carriedAnswers() {
    // Every choice on screen the server has not confirmed, plus the queue (the same, normally).
    var answers = {};
    fieldsets.forEach(function (fieldset) {
      var qid = fieldset.dataset.questionId;
      var choice = checkedChoice(fieldset);
      if (choice !== null && acked[qid] !== choice) {
        answers[qid] = choice;
      }
    });
    Object.keys(store.answers).forEach(function (qid) {
      if (!(qid in answers)) {
        answers[qid] = store.answers[qid];
      }
    });
    return answers;
  }

  function setFormDisabled(disabled) {
    Array.prototype.forEach.call(form.querySelectorAll("input, button"), function (el) {
      if (el.type !== "hidden") {
        el.disabled = disabled;
      }
    });
  }

  function dialogError(text) {
    var el = document.getElementById("submit-error");
    el.textContent = text;
    el.hidden = !text;
  }

  function submit(automatic) {
    if (closed || (submitting && !automatic)) {
      return;
    }
    var prediction = readPrediction();
    if (!prediction.ok && !automatic) {
      dialogError(messages.predictionInvalid);
      return;
    }
    submitting = true;
    if (retryTimer !== null) {
      window.clearTimeout(retryTimer);
      retryTimer = null;
    }
    setFormDisabled(true); // a choice changed now would miss the submit
    if (automatic && dialog && dialog.open) {
      dialog.close();
    }
    var body = { prediction: prediction.ok ? prediction.value : null, answers: carriedAnswers() };
    var attempt = 0;
    setStatus("saving", automatic ? messages.timeUp : messages.submitting);

    function send() {
      request("POST", data.submitUrl, body).then(function (result) {
        if (result.ok || result.status === 409) {
          goToReceipt(); // 409: already closed by the server; the receipt page says how
        } else if (result.status >= 500 || result.status === 429) {
          retry();
        } else if (automatic) {
          goToReceipt();
        } else {
          submitting = false;
          setFormDisabled(false);
          var message = (result.body.error && result.body.error.message) || messages.session;
          setStatus("error", message);
          dialogError(message);
          flush();
        }
      }, retry);
    }

    function retry() {
      // Past deadline + grace the server has finalised with what it holds: show that.
      if (serverNow() > deadline + graceMs) {
        goToReceipt();
        return;
      }
      attempt += 1;
      setStatus("queued", messages.submitRetry);
      dialogError(messages.submitRetry);
      window.setTimeout(send, Math.min(MAX_RETRY_MS, MIN_RETRY_MS * Math.pow(2, attempt - 1)));
    }

    send();
  }

  function openConfirm() {
    var missing = unansweredNumbers();
    var summary = document.getElementById("submit-summary");
    var list = document.getElementById("submit-unanswered");
    var predictionNote = document.getElementById("submit-prediction");
    list.textContent = "";
    if (missing.length === 0) {
      summary.textContent = fill(messages.allAnswered, { n: fieldsets.length });
    } else {
      summary.textContent = fill(messages.unanswered, { n: missing.length });
      missing.forEach(function (number) {
        var li = document.createElement("li");
        var link = document.createElement("a");
        link.href = "#q-" + number;
        link.textContent = String(number);
        link.setAttribute("aria-label", fill(messages.goToQuestion, { n: number }));
        link.addEventListener("click", function () { dialog.close(); });
        li.appendChild(link);
        list.appendChild(li);
      });
    }
    predictionNote.hidden = !predictionInput || predictionInput.value.trim() !== "";
    dialogError("");
    if (dialog && typeof dialog.showModal === "function") {
      dialog.showModal();
      document.getElementById("submit-confirm").focus();
    } else if (window.confirm(summary.textContent + " " + missing.join(", ") + "\n" + messages.confirmFallback)) {
      submit(false);
    }
  }

  // --- wiring ----------------------------------------------------------------------------------

  var lastButton = null;
  Array.prototype.forEach.call(form.querySelectorAll('button[type="submit"]'), function (button) {
    button.addEventListener("click", function () { lastButton = button; });
  });

  form.addEventListener("submit", function (event) {
    var button = event.submitter || lastButton;
    var action = button ? button.value : "save";
    if (action === "submit") {
      event.preventDefault();
      openConfirm();
    } else if (!navigator.onLine) {
      event.preventDefault(); // a plain post would fail offline; the queue already holds the choices
      showQueueState();
    }
  });

  form.addEventListener("change", function (event) {
    var target = event.target;
    if (target.type === "radio") {
      var fieldset = target.closest("fieldset[data-question-id]");
      queueAnswer(fieldset.dataset.questionId, parseInt(target.value, 10));
    } else if (target === predictionInput) {
      store.prediction = predictionInput.value;
      persist();
      savePrediction();
    }
  });

  function savePrediction() {
    // Best effort: the submit carries the prediction anyway; this keeps it on the server in case
    // the phone dies and the system submits the attempt at the deadline.
    var prediction = readPrediction();
    if (!prediction.ok || !data.predictionUrl || !navigator.onLine) {
      return;
    }
    request("PUT", data.predictionUrl, { prediction: prediction.value }).catch(function () { /* offline */ });
  }

  if (predictionInput) {
    predictionInput.addEventListener("input", function () {
      store.prediction = predictionInput.value;
      persist();
    });
  }

  document.getElementById("submit-cancel").addEventListener("click", function () { dialog.close(); });
  document.getElementById("submit-confirm").addEventListener("click", function () { submit(false); });

  window.addEventListener("online", function () {
    retryNow();
    resync();
  });
  window.addEventListener("offline", showQueueState);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") {
      resync(); // a phone that slept may have missed ticks or drifted
      retryNow();
    }
  });

  // --- start: server state, then what this browser still owes it --------------------------------

  fieldsets.forEach(function (fieldset) {
    var saved = fieldset.dataset.saved;
    if (saved) {
      acked[fieldset.dataset.questionId] = parseInt(saved, 10);
    }
  });
  Object.keys(store.answers).forEach(function (qid) {
    var choice = store.answers[qid];
    if (acked[qid] === choice || !selectChoice(qid, choice)) {
      delete store.answers[qid]; // already saved (a plain post did it), or not in this attempt
    }
  });
  fieldsets.forEach(function (fieldset) {
    // The browser may restore choices on reload that never reached the server.
    var qid = fieldset.dataset.questionId;
    var choice = checkedChoice(fieldset);
    if (choice !== null && acked[qid] !== choice && !(qid in store.answers)) {
      store.answers[qid] = choice;
    }
  });
  if (predictionInput && store.prediction !== null && store.prediction !== undefined) {
    predictionInput.value = store.prediction;
  }
  persist();
  showQueueState();
  flush();
  tick();
  timerHandle = window.setInterval(tick, 500);
}());
