// A contest's landing page: counts down to the next round opening (or the open one closing).
// The page renders the target instant and the server's "now" (ISO UTC, data-target and
// data-server-now); the phone's own clock only measures the time elapsed since the page loaded,
// so a phone set to the wrong time still counts right. Without JavaScript the date is shown.
(function () {
  "use strict";

  var PARTS = ["days", "hours", "minutes", "seconds"];
  var loadedAt = Date.now();

  function pad(n) {
    return n < 10 ? "0" + n : String(n);
  }

  // Whole seconds left, rounded up: "00 giây" appears only when the moment has come.
  function split(secondsLeft) {
    return {
      days: Math.floor(secondsLeft / 86400),
      hours: Math.floor(secondsLeft % 86400 / 3600),
      minutes: Math.floor(secondsLeft % 3600 / 60),
      seconds: secondsLeft % 60
    };
  }

  function start(box) {
    var target = Date.parse(box.getAttribute("data-target"));
    var serverNow = Date.parse(box.getAttribute("data-server-now"));
    var clock = box.querySelector(".landing-countdown-clock");
    var done = box.querySelector(".landing-countdown-done");
    if (isNaN(target) || isNaN(serverNow) || !clock) {
      return;
    }
    var skew = serverNow - loadedAt; // the server's clock minus this device's
    var parts = {};
    PARTS.forEach(function (name) {
      var wrap = clock.querySelector('[data-part="' + name + '"]');
      parts[name] = { wrap: wrap, value: wrap && wrap.querySelector("b") };
    });
    var timer = null;

    function tick() {
      var leftMs = target - (Date.now() + skew);
      if (leftMs <= 0) {
        if (timer !== null) {
          window.clearInterval(timer);
        }
        clock.hidden = true;
        if (done) {
          done.hidden = false;
        }
        box.classList.add("is-done");
        return;
      }
      var left = split(Math.ceil(leftMs / 1000));
      PARTS.forEach(function (name) {
        var part = parts[name];
        if (!part.value) {
          return;
        }
        part.value.textContent = name === "days" ? String(left.days) : pad(left[name]);
      });
      if (parts.days.wrap) {
        parts.days.wrap.hidden = left.days === 0;
      }
    }

    clock.hidden = false;
    box.classList.add("is-ticking");
    tick();
    if (!box.classList.contains("is-done")) {
      timer = window.setInterval(tick, 1000);
    }
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-countdown]"), start);
})();
