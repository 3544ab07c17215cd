// The feeds page: "Copy" buttons for a new feed's secret address.
(function () {
  "use strict";
  function copied(button) {
    var said = button.textContent;
    button.textContent = "Copied";
    setTimeout(function () { button.textContent = said; }, 2000);
  }
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var field = document.getElementById(button.dataset.copy);
    if (!field) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(function () { copied(button); });
        return;
      }
      // Plain http (a server on the local network): the older way still copies.
      field.select();
      if (document.execCommand("copy")) { copied(button); }
    });
  });
})();
