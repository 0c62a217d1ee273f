// The page session's end (issue 14): warn a few minutes before it, offer "stay signed in" (a POST
// with the CSRF token), say when it has ended. Before a form is sent, name the page it is on
// (`_form_page`), so that a form sent after the end comes back to this page after signing in.
(function () {
  "use strict";

  var CHECK_EVERY_MS = 15000;

  // Every POST form names its page: the server keeps a form sent after the session ended and
  // brings the author back to this page once signed in again. Capture phase: before htmx reads it.
  document.addEventListener(
    "submit",
    function (event) {
      var form = event.target;
      if (!form || !form.getAttribute || (form.getAttribute("method") || "").toLowerCase() !== "post") {
        return;
      }
      var field = form.querySelector('input[name="_form_page"]');
      if (!field) {
        field = document.createElement("input");
        field.type = "hidden";
        field.name = "_form_page";
        form.appendChild(field);
      }
      field.value = window.location.pathname + window.location.search;
    },
    true
  );

  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("session-warning");
    if (!box) {
      return;
    }
    var text = document.getElementById("session-warning-text");
    var form = document.getElementById("session-renew");
    var state = { expiresAt: 0, endsAt: 0, skew: 0, warnMs: 0 };
    var lastCheck = 0;
    var checking = false;

    function take(expiresAt, endsAt, serverNow) {
      state.expiresAt = expiresAt * 1000;
      state.endsAt = endsAt * 1000;
      state.skew = serverNow * 1000 - Date.now(); // the server's clock minus ours
    }
    take(Number(box.dataset.expiresAt), Number(box.dataset.endsAt), Number(box.dataset.now));
    state.warnMs = Number(box.dataset.warnSeconds) * 1000;

    function now() {
      return Date.now() + state.skew;
    }

    function show(kind, minutes) {
      var message = text.dataset[kind] || "";
      text.textContent = message.replace("{minutes}", String(minutes));
      form.hidden = kind !== "soon";
      if (box.hidden) {
        box.hidden = false;
        if (kind === "soon") {
          form.querySelector("button").focus({ preventScroll: true });
        }
      }
      box.dataset.state = kind;
    }

    function hide() {
      box.hidden = true;
      box.dataset.state = "";
    }

    function render() {
      var left = state.expiresAt - now();
      if (left > state.warnMs) {
        hide();
      } else if (left <= 0) {
        show("ended", 0);
      } else {
        // At the absolute cap the button cannot help: say so instead of offering it.
        show(state.expiresAt >= state.endsAt ? "cap" : "soon", Math.max(1, Math.ceil(left / 60000)));
      }
    }

    // Another tab (or an htmx request) may have renewed the session: ask before warning. Reading
    // the status is not activity on the server, so an idle tab does not keep itself alive.
    function check() {
      if (checking) {
        return;
      }
      checking = true;
      lastCheck = Date.now();
      fetch("/session/status", { credentials: "same-origin", headers: { accept: "application/json" } })
        .then(function (response) {
          return response.ok ? response.json() : null;
        })
        .then(function (body) {
          if (body && body.signed_in) {
            take(body.expires_at, body.ends_at, body.now);
          } else if (body) {
            take(0, 0, body.now);
          }
        })
        .catch(function () {})
        .then(function () {
          checking = false;
          render();
        });
    }

    function tick() {
      var left = state.expiresAt - now();
      if (left <= state.warnMs && Date.now() - lastCheck >= CHECK_EVERY_MS && box.dataset.state !== "ended") {
        check();
      } else {
        render();
      }
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault(); // renew in place: nothing typed on the page is lost
      fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        credentials: "same-origin",
        headers: { accept: "application/json" },
        redirect: "manual",
      })
        .then(function (response) {
          return response.ok ? response.json() : null;
        })
        .then(function (body) {
          if (body && body.signed_in) {
            take(body.expires_at, body.ends_at, body.now);
          } else {
            take(0, 0, now() / 1000);
          }
          render();
        })
        .catch(function () {
          render();
        });
    });

    document.addEventListener("visibilitychange", function () {
      if (!document.hidden) {
        lastCheck = 0;
        tick();
      }
    });
    window.setInterval(tick, 1000);
    tick();
  });
})();
