// The Rules page: picking a preset fills in its values, except those the lead
// changed by hand (a box still showing the old preset's value follows the new one),
// which is what saving does too.
(function () {
  "use strict";
  var form = document.querySelector("form[data-preset-values]");
  if (!form) { return; }
  var presets = JSON.parse(form.getAttribute("data-preset-values"));
  var shown = form.querySelector("input[name=shown_preset]");
  form.querySelectorAll("input[name=preset]").forEach(function (radio) {
    radio.addEventListener("change", function () {
      var from = presets[shown.value], to = presets[radio.value];
      if (!from || !to) { return; }
      Object.keys(to).forEach(function (name) {
        var box = form.querySelector('input[name="' + name + '"]');
        if (box && box.value === from[name]) { box.value = to[name]; }
      });
      shown.value = radio.value;
    });
  });
})();
