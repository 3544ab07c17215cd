// The import page: drag and drop onto the file field, and a progress bar while a
// big file goes up and then while the server checks or saves its rows. Without
// this script both forms post as usual.
(function () {
  "use strict";
  // The status line's words in the reader's language (base.html), English without them.
  var lang = document.documentElement.lang || undefined;
  var words = {};
  try { words = JSON.parse(document.getElementById("giveask-words").textContent) || {}; } catch (e) { /* English */ }
  var sending = words.sending || "Sending the file…";
  var sendingPercent = words.sending_percent || "Sending the file… {percent}";
  function replacePage(html) {
    var page = new DOMParser().parseFromString(html, "text/html");
    var fresh = page.querySelector(".import-page");
    var here = document.querySelector(".import-page");
    if (fresh && here) {
      here.replaceWith(fresh);
      bind();
    } else {
      document.open(); document.write(html); document.close();
    }
  }
  function track(form) {
    var bar = form.querySelector("progress");
    var status = form.querySelector(".import-status");
    var button = form.querySelector("button[type=submit]");
    form.addEventListener("submit", function (event) {
      if (!window.XMLHttpRequest || !window.FormData) return;
      event.preventDefault();
      if (button) button.disabled = true;  // one import per click, however slow
      var xhr = new XMLHttpRequest();
      // form.action would be the hidden input named "action", not the address.
      xhr.open("POST", form.getAttribute("action"));
      bar.hidden = false;
      status.hidden = false;
      status.textContent = sending;
      xhr.upload.addEventListener("progress", function (e) {
        if (!e.lengthComputable) return;
        var done = Math.round((e.loaded / e.total) * 100);
        bar.value = done;
        var percent = new Intl.NumberFormat(lang, { style: "percent" }).format(done / 100);
        status.textContent = sendingPercent.replace("{percent}", function () { return percent; });
      });
      xhr.upload.addEventListener("load", function () {
        // Sent: the server works through the rows now, for as long as it takes.
        bar.removeAttribute("value");
        status.textContent = form.getAttribute("data-working");
      });
      xhr.addEventListener("load", function () { replacePage(xhr.responseText); });
      xhr.addEventListener("error", function () {
        if (button) button.disabled = false;
        form.submit();
      });
      xhr.send(new FormData(form));
    });
  }
  function bind() {
    var check = document.getElementById("import-check");
    if (check) {
      var zone = check.querySelector("[data-drop-zone]");
      var input = check.querySelector("input[type=file]");
      ["dragenter", "dragover"].forEach(function (name) {
        zone.addEventListener(name, function (event) {
          event.preventDefault();
          zone.classList.add("import-drop-over");
        });
      });
      ["dragleave", "drop"].forEach(function (name) {
        zone.addEventListener(name, function () { zone.classList.remove("import-drop-over"); });
      });
      zone.addEventListener("drop", function (event) {
        event.preventDefault();
        if (event.dataTransfer && event.dataTransfer.files.length) {
          input.files = event.dataTransfer.files;
          zone.querySelector(".import-drop-hint").textContent = input.files[0].name;
        }
      });
    }
    document.querySelectorAll("form[data-working]").forEach(track);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", bind);
  else bind();
})();
