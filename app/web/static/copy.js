// "Copy" buttons for an address or a secret shown only once (feeds, share links,
// webhooks): <button data-copy="id-of-the-field">.
(function () {
  "use strict";
  // "Copied" in the reader's language (base.html's words).
  var block = document.getElementById("giveask-words");
  var word = "Copied";
  try { word = (block && JSON.parse(block.textContent).copied) || word; } catch (e) { /* English */ }
  function copied(button) {
    var said = button.textContent;
    button.textContent = word;
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
      // Plain http (a server on the local network): the older way still copies,
      // and the address stays selected for Ctrl+C where even that is refused.
      field.focus();
      field.setSelectionRange(0, field.value.length);
      if (document.execCommand("copy")) { copied(button); }
    });
  });
})();
