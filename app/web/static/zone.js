// Time zone pickers start at the browser's own zone (the server can't know it).
(function () {
  "use strict";
  var zone;
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
  document.querySelectorAll("select[data-browser-zone]").forEach(function (select) {
    if (select.value !== "UTC" || select.getAttribute("aria-invalid") === "true") { return; }
    var option = select.querySelector('option[value="' + zone + '"]');
    if (option) { select.value = zone; }
  });
})();
