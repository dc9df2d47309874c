/* Patient intake: progressive enhancement only — every page works without this file. */
(function () {
  "use strict";

  function ready(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }

  ready(function () {
    // Move focus to the error summary so that screen readers announce it first.
    var summary = document.querySelector("[data-focus-on-load]");
    if (summary) { summary.focus(); }

    // Body map: the checkboxes are the form; the figures mirror and toggle them.
    var map = document.querySelector("[data-bodymap]");
    if (map) {
      var boxes = {};
      document.querySelectorAll('input[name="regions"]').forEach(function (box) { boxes[box.value] = box; });
      var paint = function (value) {
        var box = boxes[value];
        map.querySelectorAll('[data-value="' + value + '"]').forEach(function (shape) {
          shape.classList.toggle("is-selected", !!(box && box.checked));
        });
      };
      map.classList.add("is-interactive");
      map.addEventListener("click", function (event) {
        var shape = event.target.closest("[data-value]");
        if (!shape) { return; }
        var box = boxes[shape.getAttribute("data-value")];
        if (!box) { return; }
        box.checked = !box.checked;
        box.dispatchEvent(new Event("change", { bubbles: true }));
      });
      Object.keys(boxes).forEach(function (value) {
        boxes[value].addEventListener("change", function () { paint(value); });
        paint(value);
      });
    }

    // A double tap sends the form once; the server also recognises a repeat by its id.
    document.querySelectorAll("form[data-submit-once]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (form.dataset.sent) { event.preventDefault(); return; }
        form.dataset.sent = "1";
        form.querySelectorAll('button[type="submit"]').forEach(function (button) {
          button.setAttribute("aria-disabled", "true");
          button.classList.add("is-busy");
        });
      });
    });
  });
})();
