// The rule page's charts (Chart.js, vendored in static/vendor/chart.umd.js). Data comes from the
// json_script block the server renders; nothing is fetched.
(function () {
  "use strict";
  const source = document.getElementById("rule-charts");
  if (!source || typeof Chart === "undefined") return;
  const data = JSON.parse(source.textContent);
  const palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#17becf", "#7f7f7f"];
  // The would-hit rate (% of posts scored) where the scorer reported its volume; posts per day otherwise.
  const hits = Object.keys(data.hits).map(function (code, i) {
    const rate = data.hit_rate[code];
    return {label: rate ? code + " (% of posts scored)" : code + " (posts; volume not reported)",
            data: rate || data.hits[code], yAxisID: rate ? "rate" : "posts",
            borderColor: palette[i % palette.length], fill: false, tension: 0.2, spanGaps: true};
  });
  new Chart(document.getElementById("chart-hits"), {type: "line", data: {labels: data.labels, datasets: hits},
    options: {animation: false, scales: {
      rate: {position: "left", beginAtZero: true, title: {display: true, text: "% of posts scored"}},
      posts: {position: "right", beginAtZero: true, title: {display: true, text: "posts"}, grid: {drawOnChartArea: false}}}}});
  const complaints = [];
  Object.keys(data.complaints).forEach(function (code, i) {
    complaints.push({label: code + " all", data: data.complaints[code].total, backgroundColor: palette[i % palette.length] + "55"});
    complaints.push({label: code + " would have prevented", data: data.complaints[code].prevented, backgroundColor: palette[i % palette.length]});
  });
  new Chart(document.getElementById("chart-complaints"), {type: "bar", data: {labels: data.labels, datasets: complaints},
    options: {animation: false, scales: {y: {beginAtZero: true}}}});
  new Chart(document.getElementById("chart-survey"), {type: "bar", data: {labels: data.survey.shards, datasets: [
    {label: "treatment % fair", data: data.survey.treatment, backgroundColor: "#d62728"},
    {label: "control % fair", data: data.survey.control, backgroundColor: "#1f77b4"}]},
    options: {animation: false, scales: {y: {beginAtZero: true, max: 100}}}});
})();
