// Wide tables on narrow screens (issue 14). Every table in the page gets a scroll box, so that
// a wide one scrolls by itself and never drags the whole page sideways; a table of three or
// more columns also labels each cell with its column's heading, so that under 600 px the
// stylesheet can show each row as a card ("Rolle: kliniker") instead of a grid nobody can read.
// htmx puts new sections into the patient page: they are prepared when they arrive.
(function () {
  "use strict";

  function headings(table) {
    var head = table.tHead;
    if (!head || !head.rows.length) return [];
    var names = [];
    Array.prototype.forEach.call(head.rows[head.rows.length - 1].cells, function (cell) {
      for (var span = 0; span < (cell.colSpan || 1); span += 1) names.push(cell.textContent.trim());
    });
    return names;
  }

  function prepare(table) {
    // A table that brings its own scroll box (the outcome report's) is left as it is.
    if (table.dataset.prepared || table.closest(".table-wrap, .no-stack")) return;
    table.dataset.prepared = "1";
    var names = headings(table);
    if (names.length >= 3 && !table.classList.contains("compact")) {
      table.classList.add("stacks");
      Array.prototype.forEach.call(table.tBodies, function (body) {
        Array.prototype.forEach.call(body.rows, function (row) {
          var column = 0;
          Array.prototype.forEach.call(row.cells, function (cell) {
            if (!cell.hasAttribute("data-label") && names[column]) {
              cell.setAttribute("data-label", names[column]);
            }
            column += cell.colSpan || 1;
          });
        });
      });
    }
    var parent = table.parentElement;
    if (parent && !parent.classList.contains("table-scroll")) {
      var box = document.createElement("div");
      box.className = "table-scroll";
      parent.insertBefore(box, table);
      box.appendChild(table);
    }
  }

  function prepareAll(root) {
    var table = root.closest ? root.closest("table") : null;
    if (table) {
      delete table.dataset.prepared;  // new rows arrived: label them too
      prepare(table);
      return;
    }
    Array.prototype.forEach.call(root.querySelectorAll("main table"), prepare);
  }

  document.addEventListener("DOMContentLoaded", function () { prepareAll(document); });
  document.addEventListener("htmx:load", function (event) { prepareAll(event.target); });
})();
