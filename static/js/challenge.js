// The proof-of-work of templates/auth/_challenge.html (server side: contest/auth/challenge.py).
// The page gives {algorithm, challenge, maxnumber, salt, signature}; we try numbers 0, 1, … until
// SHA-256(salt + number) is the challenge, then put the base64 JSON answer in the hidden field.
// A submit before that waits for the answer and then goes on. No text lives here: the box's
// data-* attributes carry it in the page's language.
(function () {
  "use strict";

  var BATCH = 500; // digests in flight at once: fast, and the page stays responsive between batches

  function hex(buffer) {
    var bytes = new Uint8Array(buffer);
    var out = "";
    for (var i = 0; i < bytes.length; i += 1) {
      out += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16);
    }
    return out;
  }

  function digest(text) {
    return crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)).then(hex);
  }

  function search(params, from) {
    if (from > params.maxnumber) {
      return Promise.reject(new Error("no solution"));
    }
    var tries = [];
    var last = Math.min(from + BATCH - 1, params.maxnumber);
    for (var n = from; n <= last; n += 1) {
      tries.push(digest(params.salt + n));
    }
    return Promise.all(tries).then(function (hashes) {
      var found = hashes.indexOf(params.challenge);
      return found >= 0 ? from + found : search(params, last + 1);
    });
  }

  function start(box) {
    var params = JSON.parse(box.getAttribute("data-challenge"));
    var input = box.querySelector("input[type=hidden]");
    var status = box.querySelector(".challenge-status");
    var form = box.closest("form");
    var submitter = null;
    var waiting = false;
    status.textContent = box.getAttribute("data-working");
    var solved = search(params, 0).then(function (number) {
      input.value = btoa(JSON.stringify({
        algorithm: params.algorithm, challenge: params.challenge, number: number,
        salt: params.salt, signature: params.signature
      }));
      status.textContent = box.getAttribute("data-done");
      box.setAttribute("data-solved", "true");
    }, function () {
      status.textContent = box.getAttribute("data-failed");
    });
    form.addEventListener("submit", function (event) {
      if (input.value) {
        return;
      }
      event.preventDefault();
      if (waiting) {
        return;
      }
      waiting = true;
      submitter = event.submitter || null;
      solved.then(function () {
        waiting = false;
        if (input.value) {
          form.requestSubmit ? form.requestSubmit(submitter) : form.submit();
        }
      });
    });
  }

  var boxes = document.querySelectorAll("[data-challenge]");
  for (var i = 0; i < boxes.length; i += 1) {
    boxes[i].querySelector(".challenge-nojs").remove();
    if (window.crypto && crypto.subtle) {
      start(boxes[i]);
    } else { // crypto.subtle exists only over HTTPS (and on localhost)
      boxes[i].querySelector(".challenge-status").textContent = boxes[i].getAttribute("data-failed");
    }
  }
})();
