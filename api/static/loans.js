/* ordipret — loan pages. Optional: every page works without it.
   The return receipt gets a "print" button (an inline onclick would break the CSP). */
"use strict";

(function () {
  const print = document.getElementById("loan-print");
  if (print) {
    print.hidden = false;
    print.addEventListener("click", () => window.print());
    const hint = document.querySelector(".loan-print-hint");
    if (hint) hint.hidden = true;
  }
})();
