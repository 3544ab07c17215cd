// Giveask page behaviour: the post dialog and drag-and-drop moves.
// Everything here is an enhancement; each action also works as a plain form.
(function () {
  "use strict";

  function dialog() { return document.getElementById("post-dialog"); }

  function openDialog() {
    var d = dialog();
    if (d && !d.open) { d.showModal(); }
    var first = d && d.querySelector("input:not([type=hidden]):not([disabled]), select, textarea, button");
    if (first) { first.focus(); }
  }

  function closeDialog() {
    var d = dialog();
    if (d && d.open) { d.close(); }
    var body = document.getElementById("dialog-body");
    if (body) { body.innerHTML = ""; }
  }

  function refreshCalendar() {
    var cal = document.getElementById("calendar");
    if (cal && window.htmx) {
      window.htmx.ajax("GET", window.location.href, { target: "#calendar", swap: "outerHTML" });
    }
  }

  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "dialog-body") { openDialog(); }
  });
  document.addEventListener("giveask:saved", closeDialog);
  // The post is gone (deleted in another tab, or never was): close its dialog
  // and show the calendar as it is now.
  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail && event.detail.xhr;
    if (xhr && xhr.status === 404 && dialog() && dialog().open) {
      closeDialog();
      refreshCalendar();
    }
  });
  document.addEventListener("giveask:dialog", openDialog);

  // The page's words in the reader's language (base.html), English without them;
  // "{count}" in a word is the number, in the reader's digits.
  var lang = document.documentElement.lang || undefined;
  var words = (function () {
    var block = document.getElementById("giveask-words");
    try { return block ? JSON.parse(block.textContent) : {}; } catch (e) { return {}; }
  })();
  function number(n) { return new Intl.NumberFormat(lang).format(n); }
  function say(word, count) {
    return word.replace("{count}", function () { return number(count); });
  }
  function counted(forms, count) {
    return say(forms[new Intl.PluralRules(lang).select(count)] || forms.other, count);
  }

  // The post text's counter, against the limit of the chosen channel's platform
  // (data-limit on its <option>); a line break counts as one character.
  function updateCounter() {
    var text = document.getElementById("f-text");
    var counter = document.getElementById("text-counter");
    if (!text || !counter) { return; }
    var select = document.getElementById("f-channel");
    var option = select && select.options ? select.options[select.selectedIndex] : null;
    var limit = option && option.dataset.limit ? parseInt(option.dataset.limit, 10) : 0;
    var used = Array.from(text.value.replace(/\r\n/g, "\n")).length;
    var over = limit && used > limit ? used - limit : 0;
    counter.textContent = limit
      ? number(used) + " / " + number(limit) +
        (over ? " · " + say(words.over || "{count} over", over) : "")
      : counted(words.characters || { one: "{count} character", other: "{count} characters" }, used);
    counter.classList.toggle("over", over > 0);
  }
  document.addEventListener("input", function (event) {
    if (event.target && event.target.id === "f-text") { updateCounter(); }
  });
  document.addEventListener("change", function (event) {
    if (event.target && event.target.id === "f-channel") { updateCounter(); }
    // Choosing Correction opens its checklist; it stays open once read.
    if (event.target && event.target.id === "f-category" && event.target.value === "correction") {
      var checklist = document.querySelector(".correction-checklist");
      if (checklist) { checklist.open = true; }
    }
  });
  document.addEventListener("htmx:afterSwap", updateCounter);

  document.addEventListener("click", function (event) {
    var closer = event.target.closest("[data-close]");
    if (closer && dialog() && dialog().open) {
      event.preventDefault();
      var refresh = closer.hasAttribute("data-refresh");
      closeDialog();
      if (refresh) { refreshCalendar(); }
    }
  });

  // A card's id is "post-" and the post's id.
  function postIdOf(card) { return card.id.replace(/^post-/, ""); }

  // A card's link opens the post in the dialog. The link alone (one handler
  // here, not an hx-get on each of a week's hundreds of cards) still opens the
  // edit page without script, and in a new tab with a modifier key.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a.post-link");
    if (!link || !window.htmx || !document.getElementById("dialog-body")) { return; }
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey ||
        event.shiftKey || event.altKey) { return; }
    event.preventDefault();
    window.htmx.ajax("GET", link.getAttribute("href"),
                     { source: link, target: "#dialog-body", swap: "innerHTML" });
  });

  // Drag a post to another day; the time of day is kept, and the server checks
  // the move first (a dialog asks to confirm when it would add warnings).
  var dragged = null;
  document.addEventListener("dragstart", function (event) {
    var card = event.target.closest && event.target.closest(".post[draggable=true]");
    if (!card) { return; }
    dragged = card;
    card.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", postIdOf(card));
  });
  document.addEventListener("dragend", function () {
    if (dragged) { dragged.classList.remove("dragging"); }
    dragged = null;
    document.querySelectorAll(".day.drop-target").forEach(function (d) { d.classList.remove("drop-target"); });
  });
  document.addEventListener("dragover", function (event) {
    var day = event.target.closest && event.target.closest(".day[data-day]");
    if (!day || !dragged) { return; }
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    document.querySelectorAll(".day.drop-target").forEach(function (d) { if (d !== day) { d.classList.remove("drop-target"); } });
    day.classList.add("drop-target");
  });
  document.addEventListener("drop", function (event) {
    var day = event.target.closest && event.target.closest(".day[data-day]");
    if (!day || !dragged) { return; }
    event.preventDefault();
    var cal = document.getElementById("calendar");
    var postId = postIdOf(dragged);
    var version = dragged.dataset.version;
    day.classList.remove("drop-target");
    if (dragged.closest(".day") === day) { return; }
    window.htmx.ajax("POST", "/w/" + cal.dataset.workspace + "/posts/" + postId + "/move", {
      target: "#dialog-body", swap: "innerHTML",
      values: { date: day.dataset.day, version: version }
    });
  });
})();
