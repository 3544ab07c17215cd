// The import page: drag and drop onto the file field, and an upload progress
// bar while a big file goes up. Without this script the form posts as usual.
(function () {
  "use strict";
  function bind() {
    var form = document.getElementById("import-check");
    if (!form) return;
    var zone = form.querySelector("[data-drop-zone]");
    var input = form.querySelector("input[type=file]");
    var bar = form.querySelector("progress");
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
    form.addEventListener("submit", function (event) {
      if (!window.XMLHttpRequest || !window.FormData) return;
      event.preventDefault();
      var xhr = new XMLHttpRequest();
      // form.action would be the hidden input named "action", not the address.
      xhr.open("POST", form.getAttribute("action"));
      bar.hidden = false;
      xhr.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) bar.value = Math.round((e.loaded / e.total) * 100);
      });
      xhr.addEventListener("load", function () {
        var page = new DOMParser().parseFromString(xhr.responseText, "text/html");
        var fresh = page.querySelector(".import-page");
        var here = document.querySelector(".import-page");
        if (fresh && here) {
          here.replaceWith(fresh);
          bind();
        } else {
          document.open(); document.write(xhr.responseText); document.close();
        }
      });
      xhr.addEventListener("error", function () { form.submit(); });
      xhr.send(new FormData(form));
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", bind);
  else bind();
})();
