// The desk's daily loop in the browser (loaded with `defer`; the CSP allows no inline scripts).
(function () {
  "use strict";

  var phone = window.matchMedia("(max-width: 48rem)");
  document.documentElement.classList.add("js-live");

  // On a phone the header has no room for the language switch's button: choosing a language
  // switches at once (the form, with its CSRF field, is posted as the button would).
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (select && select.id === "language-switch" && phone.matches && select.form) {
      select.form.submit();
    }
  });

  // On a phone the opinion form of the assigned expert starts folded, so that the messages are
  // near the top; it opens on a tap (and stays open after an error).
  document.addEventListener("DOMContentLoaded", function () {
    if (!phone.matches) {
      return;
    }
    document.querySelectorAll("#opinion details[open]").forEach(function (el) {
      if (!el.querySelector(".error-text")) {
        el.open = false;
      }
    });
  });

  function isPoller(el) {
    var trigger = el && el.getAttribute ? el.getAttribute("hx-trigger") || "" : "";
    return trigger.indexOf("every ") === 0;
  }

  function quieten(el) {
    var quiet = el.cloneNode(true);
    ["hx-get", "hx-trigger", "hx-swap"].forEach(function (name) { quiet.removeAttribute(name); });
    el.replaceWith(quiet);
  }

  // A poll never leaves the page: when the session has ended it is told to sign in (HX-Redirect),
  // but a message being typed must not be lost, so the poller stops instead and the session
  // notice (session.js) says what happened.
  document.addEventListener("htmx:beforeOnLoad", function (event) {
    var el = event.detail.elt;
    var xhr = event.detail.xhr;
    if (isPoller(el) && xhr && xhr.getResponseHeader("HX-Redirect")) {
      event.preventDefault();
      quieten(el);
    }
  });

  // A poll that answers 403 or 404 (the person's access to it ended) is replaced by a quiet copy,
  // which ends its polling; the page keeps what it showed.
  document.addEventListener("htmx:responseError", function (event) {
    var el = event.detail.elt;
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    if ((status === 403 || status === 404) && isPoller(el)) {
      quieten(el);
    }
  });
})();
