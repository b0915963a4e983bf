// Small page actions that used to be inline handlers (onclick=...), which the Content-Security-Policy
// forbids (issue 11): a button with data-clear="#target" empties that element.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-clear]");
    if (!button) return;
    var target = document.querySelector(button.dataset.clear);
    if (target) target.innerHTML = "";
  });
})();
