// expertnet pages: the only script of our own. Loaded with `defer`; the CSP allows no inline scripts.
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  // Every htmx request carries the CSRF token in the header the server checks (x-csrftoken).
  document.addEventListener("htmx:configRequest", function (event) {
    var token = csrfToken();
    if (token) {
      event.detail.headers["x-csrftoken"] = token;
    }
  });

  // Forms with data-confirm ask before an irreversible step (reject, suspend, withdraw).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });

  // Elements with data-show-when="name=value" are shown only while that radio/checkbox is chosen
  // (the expert part of the application form). Without JavaScript everything stays visible.
  function syncConditional() {
    document.querySelectorAll("[data-show-when]").forEach(function (el) {
      var rule = el.getAttribute("data-show-when").split("=");
      var chosen = document.querySelector('input[name="' + rule[0] + '"]:checked');
      el.hidden = !!chosen && chosen.value !== rule[1];
    });
  }
  document.addEventListener("change", syncConditional);
  document.addEventListener("DOMContentLoaded", syncConditional);

  // On a phone the directory's filters start folded (unless one is in use), so results come first.
  document.addEventListener("DOMContentLoaded", function () {
    var panel = document.getElementById("facet-panel");
    if (panel && window.matchMedia("(max-width: 48rem)").matches && !panel.querySelector("input[type=checkbox]:checked")) {
      panel.open = false;
    }
  });

  // Move focus to the first error summary so keyboard and screen-reader users hear what went wrong.
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.querySelector("[data-error-summary]");
    if (summary) {
      summary.focus();
    }
  });
  // The browser's time zone: pages show times in it until the member chooses one (/time-zone).
  // The cookie is read by the server for every page; a member who has no zone stored yet gets
  // it stored once (the sign-in form sends it too, in its hidden time_zone field).
  function browserZone() {
    try {
      return Intl.DateTimeFormat().resolvedOptions().timeZone || "";
    } catch (e) {
      return "";
    }
  }
  document.addEventListener("DOMContentLoaded", function () {
    var zone = browserZone();
    if (!zone) {
      return;
    }
    document.querySelectorAll("input[data-browser-zone]").forEach(function (input) {
      input.value = zone;
    });
    var known = document.cookie.split("; ").some(function (pair) {
      return pair === "expertnet_tz=" + encodeURIComponent(zone);
    });
    if (!known) {
      document.cookie = "expertnet_tz=" + encodeURIComponent(zone) + "; path=/; max-age=31536000; samesite=lax";
    }
    if (document.querySelector('meta[name="zone-unset"]')) {
      var body = new URLSearchParams();
      body.set("time_zone", zone);
      body.set("browser", "1");
      fetch("/time-zone", {
        method: "POST",
        credentials: "same-origin",
        headers: { "x-csrftoken": csrfToken() },
        body: body
      }).then(function (response) {
        // This page was drawn in UTC; draw it again in the zone now stored (once per member).
        if (response.status === 204 && !known && !document.querySelector("form [aria-invalid], textarea:focus, input:focus")) {
          window.location.reload();
        }
      });
    }
  });
})();
