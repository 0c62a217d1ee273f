// The printable opinion (templates/consultations/opinion_print.html): the Print button. The CSP
// allows no inline scripts, so the button is wired here; without JavaScript the browser's own
// Print command does the same.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-print]")) {
      window.print();
    }
  });
})();
