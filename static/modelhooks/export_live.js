// Live progress of a training export (MH-3): the worker pushes each step over Channels; the 5 s htmx
// poll on #export-status is the fallback. A static file, so the page works under the CSP (issue 11).
(function () {
  "use strict";
  var box = document.getElementById("export-status");
  if (!box) return;
  var proto = location.protocol === "https:" ? "wss://" : "ws://";
  var ws = new WebSocket(proto + location.host + "/ws/exports/" + box.dataset.exportId + "/");
  ws.onmessage = function (e) {
    var m = JSON.parse(e.data);
    var bar = document.getElementById("export-progress");
    if (!bar) return;
    bar.value = m.progress;
    document.getElementById("export-state").textContent = m.status;
    document.getElementById("export-rows").textContent = m.rows_written + " / " + (m.rows_total === null ? "?" : m.rows_total);
    if (m.status === "done" || m.status === "failed") htmx.trigger(box, "every 5s");
  };
})();
