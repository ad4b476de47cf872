(function () {
  function sortBy(table, th, col, asc) {
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (x, y) {
      var a = x.cells[col].getAttribute("data-v"), b = y.cells[col].getAttribute("data-v");
      var na = parseFloat(a), nb = parseFloat(b);
      var r = (isNaN(na) || isNaN(nb)) ? a.localeCompare(b) : na - nb;
      return asc ? r : -r;
    });
    table.querySelectorAll("thead th").forEach(function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", asc ? "ascending" : "descending");
    rows.forEach(function (row) { body.appendChild(row); });
  }
  document.querySelectorAll("table.sortable").forEach(function (table) {
    var heads = table.querySelectorAll("thead th");
    heads.forEach(function (th, col) {
      var button = th.querySelector("button");
      if (!button) { return; }
      button.addEventListener("click", function () {
        sortBy(table, th, col, th.getAttribute("aria-sort") !== "ascending");
      });
    });
    // A link such as fleet.html#sort=2-desc opens the table sorted by its third column.
    var m = /^#sort=(\d+)(-desc)?$/.exec(window.location.hash);
    if (m && heads[+m[1]]) { sortBy(table, heads[+m[1]], +m[1], !m[2]); }
    table.setAttribute("data-sort-ready", "yes");
  });
})();
