// Draws the report's plots from their JSON data blocks (no inline script: the page's CSP
// forbids it). Plotly is served from this server (static/analytics/plotly.min.js).
(function () {
  "use strict";
  function draw() {
    if (typeof window.Plotly === "undefined") { return; }
    document.querySelectorAll("[data-plot]").forEach(function (area) {
      var block = document.getElementById(area.getAttribute("data-plot"));
      if (!block) { return; }
      var figure = JSON.parse(block.textContent);
      window.Plotly.newPlot(area, figure.data, figure.layout, {
        responsive: true, displaylogo: false, modeBarButtonsToRemove: ["sendDataToCloud"]
      });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
}());
