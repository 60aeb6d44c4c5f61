// The admin's "Add another" for inlines. An inline the user may add to is a
// <fieldset data-inline="prefix"> holding its rows, the -TOTAL input (data-inline-total), a
// <template data-inline-empty> with one empty row whose inputs carry the index __n__, and a
// hidden <button data-inline-add>. This script shows the button; a click copies the empty row
// in before the button with the index set to the current total, and raises the total by one.
// Without this script the inline's `extra` empty rows are the way to add rows.
(function () {
  "use strict";
  var ATTRIBUTES = ["id", "name", "for", "list", "aria-describedby", "aria-labelledby"];

  function add(inline) {
    var total = inline.querySelector("[data-inline-total]");
    var template = inline.querySelector("template[data-inline-empty]");
    var button = inline.querySelector("[data-inline-add]");
    if (!total || !template || !button) {
      return;
    }
    var index = String(parseInt(total.value, 10) || 0);
    var row = template.content.cloneNode(true);
    row.querySelectorAll("*").forEach(function (element) {
      ATTRIBUTES.forEach(function (name) {
        var value = element.getAttribute(name);
        if (value !== null && value.indexOf("__n__") !== -1) {
          element.setAttribute(name, value.split("__n__").join(index));
        }
      });
    });
    var none = inline.querySelector("[data-inline-none]");
    if (none) {
      none.remove();
    }
    var first = row.querySelector("input, select, textarea");
    button.before(row);
    total.value = String(Number(index) + 1);
    if (first) {
      first.focus();
    }
  }

  document.querySelectorAll("[data-inline] [data-inline-add]").forEach(function (button) {
    button.hidden = false;
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-inline-add]");
    if (button) {
      add(button.closest("[data-inline]"));
    }
  });
})();
