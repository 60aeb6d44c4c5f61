// The admin's autocomplete inputs: as one types in an input with data-autocomplete (a
// foreign key that takes the related row's id), its <datalist> is filled with the rows the
// related model's search finds: each option's value is a row's id, its label the row's name.
// Without this script the input still works: it takes the id.
(function () {
  "use strict";
  var timers = new WeakMap();

  function fill(input) {
    var list = document.getElementById(input.getAttribute("list"));
    var q = input.value.trim();
    if (!list || q === "") {
      return;
    }
    var url = input.dataset.autocomplete + "?q=" + encodeURIComponent(q);
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        return response.ok ? response.json() : { results: [] };
      })
      .then(function (data) {
        var options = data.results.map(function (row) {
          var option = document.createElement("option");
          option.value = row.id;
          option.label = row.text;
          option.textContent = row.text;
          return option;
        });
        list.replaceChildren.apply(list, options);
      })
      .catch(function () {});
  }

  document.addEventListener("input", function (event) {
    var input = event.target;
    if (!(input instanceof HTMLInputElement) || !input.dataset.autocomplete) {
      return;
    }
    clearTimeout(timers.get(input));
    timers.set(input, setTimeout(fill, 250, input));
  });
})();
