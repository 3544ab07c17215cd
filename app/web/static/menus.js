// The top bar's menus (the workspace switcher, an admin's Manage) are <details>:
// they open and close without script. This closes an open one on a click
// elsewhere or on Escape, as a menu does, and gives the focus back to its button.
(function () {
  "use strict";
  function openMenus() { return document.querySelectorAll("details[data-menu][open]"); }
  document.addEventListener("click", function (event) {
    openMenus().forEach(function (menu) {
      if (!menu.contains(event.target)) { menu.open = false; }
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    openMenus().forEach(function (menu) {
      menu.open = false;
      var summary = menu.querySelector("summary");
      if (summary && menu.contains(document.activeElement)) { summary.focus(); }
    });
  });
})();
