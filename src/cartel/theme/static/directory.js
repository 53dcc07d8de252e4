// cartel directory: filter as you type (accents and case ignored), facets, sorting by column, a count.
// The table is complete without this file; it only hides rows and reorders them.
(function () {
  var table = document.getElementById("directory-table");
  var tools = document.getElementById("directory-tools");
  if (!table || !tools) return;
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var input = document.getElementById("directory-filter");
  var selects = Array.prototype.slice.call(tools.querySelectorAll("select[data-facet]"));
  var count = document.getElementById("directory-count");
  var none = document.getElementById("directory-none");
  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase().replace(/\s+/g, " ").trim();
  }
  var texts = rows.map(function (row) { return fold(row.textContent); });
  function say(n) {
    var template = table.getAttribute(n === 1 ? "data-count-one" : "data-count-many");
    count.textContent = template.replace("{n}", n).replace("{total}", rows.length);
  }
  function apply(keepAddress) {
    var words = fold(input.value).split(" ").filter(Boolean);
    var shown = 0;
    rows.forEach(function (row, i) {
      var ok = words.every(function (w) { return texts[i].indexOf(w) >= 0; });
      selects.forEach(function (select) {
        if (ok && select.value) {
          var values = (row.getAttribute("data-f" + select.getAttribute("data-facet")) || "").split("|");
          ok = values.indexOf(select.value) >= 0;
        }
      });
      row.hidden = !ok;
      if (ok) shown++;
    });
    say(shown);
    none.hidden = shown > 0;
    if (!keepAddress) remember();
  }
  function remember() {
    var params = new URLSearchParams();
    if (input.value.trim()) params.set("q", input.value.trim());
    selects.forEach(function (select) { if (select.value) params.set(select.id, select.value); });
    var query = params.toString();
    history.replaceState(null, "", location.pathname + (query ? "?" + query : ""));
  }
  function sortBy(index, th) {
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (cell) { cell.setAttribute("aria-sort", "none"); });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var sorted = rows.slice().sort(function (a, b) {
      var x = a.cells[index].textContent.trim(), y = b.cells[index].textContent.trim();
      if (!x !== !y) return x ? -1 : 1;  // empty cells last either way
      var order = x.localeCompare(y, document.documentElement.lang || "fr", { sensitivity: "base", numeric: true });
      return ascending ? order : -order;
    });
    sorted.forEach(function (row) { body.appendChild(row); });
  }
  Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, index) {
    var button = document.createElement("button");
    button.type = "button";
    button.textContent = th.textContent;
    button.setAttribute("title", table.getAttribute("data-sort-label").replace("{column}", th.textContent));
    th.textContent = "";
    th.appendChild(button);
    th.setAttribute("aria-sort", "none");
    button.addEventListener("click", function () { sortBy(index, th); });
  });
  var params = new URLSearchParams(location.search);
  input.value = params.get("q") || "";
  selects.forEach(function (select) {
    var wanted = params.get(select.id);
    if (wanted && Array.prototype.some.call(select.options, function (o) { return o.value === wanted; })) select.value = wanted;
  });
  input.addEventListener("input", function () { apply(false); });
  selects.forEach(function (select) { select.addEventListener("change", function () { apply(false); }); });
  document.getElementById("directory-reset").addEventListener("click", function () {
    input.value = "";
    selects.forEach(function (select) { select.value = ""; });
    apply(false);
    input.focus();
  });
  tools.hidden = false;
  apply(true);
})();
