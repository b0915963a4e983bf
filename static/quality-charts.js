// Charts for the admin quality and pay pages (CA-6), drawn by the vendored Chart.js. No build step.
(function () {
  "use strict";
  function data(id) { const el = document.getElementById(id); return el ? JSON.parse(el.textContent) : null; }
  function draw(id, config) {
    const canvas = document.getElementById(id);
    if (!canvas || !window.Chart) return;
    if (canvas._chart) canvas._chart.destroy();
    config.options = Object.assign({ maintainAspectRatio: false, animation: false }, config.options || {});
    canvas._chart = new window.Chart(canvas, config);
  }
  function render() {
    const q = data("quality-data");
    if (q) {
      draw("chart-kappa", { type: "line", data: { labels: q.kappa.labels, datasets: q.kappa.datasets.map(function (d) {
        return { label: d.label, data: d.data, spanGaps: true }; }) },
        options: { scales: { y: { suggestedMin: 0, suggestedMax: 1 } } } });
      draw("chart-pools", { type: "bar", data: { labels: q.pools.labels, datasets: [
        { label: "native under contract", data: q.pools.native }, { label: "all members", data: q.pools.total }] } });
      draw("chart-drift", { type: "bar", data: { labels: q.drift.labels, datasets: [
        { label: "approval delta across subgroups", data: q.drift.deltas },
        { label: "threshold", data: q.drift.labels.map(function () { return q.drift.threshold; }), type: "line" }] } });
    }
    const p = data("pay-data");
    if (p) {
      draw("chart-payouts", { type: "bar", data: { labels: p.labels, datasets: [
        { label: "paid now", data: p.paid }, { label: "held", data: p.held }] },
        options: { scales: { x: { stacked: true }, y: { stacked: true } } } });
    }
  }
  document.addEventListener("DOMContentLoaded", render);
  document.addEventListener("htmx:afterSettle", render);
})();
