/* Draws each <canvas data-chart="bar|line|hbar" data-source="ID"> from the JSON in
   <script type="application/json" id="ID">{"labels": [...], "values": [...], "label": "..."}.
   The same figures are in a table beside each chart: the chart only helps the eye. */
(function () {
  "use strict";
  if (typeof Chart === "undefined") { return; }
  Chart.defaults.font.family = 'Roboto, "Noto Sans", "DejaVu Sans", Arial, sans-serif';
  Chart.defaults.color = "#0B1F3A";
  Chart.defaults.animation = false;
  var colours = { bar: "#0A4A94", line: "#1A5E20", hbar: "#8A2A05" };
  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var source = document.getElementById(canvas.dataset.source);
    if (!source) { return; }
    var data = JSON.parse(source.textContent);
    var kind = canvas.dataset.chart;
    var percent = canvas.dataset.percent === "yes";
    new Chart(canvas, {
      type: kind === "line" ? "line" : "bar",
      data: {
        labels: data.labels,
        datasets: [{
          label: data.label,
          data: data.values,
          backgroundColor: colours[kind],
          borderColor: colours[kind],
          spanGaps: true
        }]
      },
      options: {
        maintainAspectRatio: false,
        indexAxis: kind === "hbar" ? "y" : "x",
        plugins: { legend: { display: false } },
        scales: percent ? { [kind === "hbar" ? "x" : "y"]: { min: 0, max: 100 } } : {}
      }
    });
  });
}());
