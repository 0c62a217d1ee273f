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
})();
