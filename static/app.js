// Verifier Ops pages: keyboard shortcuts and the live websocket (VQ-8). No build step.
(function () {
  "use strict";

  // One key per action: the button carrying data-key="y" is clicked when Y is pressed.
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const tag = (event.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "textarea" || tag === "select") return;
    const button = document.querySelector('[data-key="' + event.key.toLowerCase() + '"]');
    if (button && !button.disabled) {
      event.preventDefault();
      // htmx wires up swapped-in buttons a moment after the swap (its settle step); a key pressed in
      // that moment would click a bare button and be lost, so make sure this one is wired first.
      if (window.htmx) window.htmx.process(button);
      button.click();
    }
  });

  // A button with data-clear="#slot" empties that slot (the taboo form's Cancel): no inline handler.
  document.addEventListener("click", function (event) {
    const button = event.target.closest && event.target.closest("[data-clear]");
    if (!button) return;
    const slot = document.querySelector(button.dataset.clear);
    if (slot) slot.innerHTML = "";
  });

  // After a new case arrives, move focus to it so screen readers and keyboard users follow.
  document.addEventListener("htmx:afterSettle", function (event) {
    const card = event.target.querySelector("#case, #case-empty");
    if (card) { card.setAttribute("tabindex", "-1"); card.focus(); }
  });

  function setText(selector, value) {
    document.querySelectorAll(selector).forEach(function (el) { el.textContent = value; });
  }

  function connect() {
    if (!document.body.dataset.live) return;
    const state = document.getElementById("live-state");
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    const socket = new WebSocket(scheme + location.host + "/ws/live/");
    // The words come from the page (data-live-text), in the user's language (VQ-9).
    socket.onopen = function () { if (state) state.textContent = state.dataset.liveText || "live"; };
    socket.onclose = function () {
      if (state) state.textContent = state.dataset.reconnectingText || "reconnecting…";
      setTimeout(connect, 2000);
    };
    socket.onmessage = function (message) {
      const event = JSON.parse(message.data);
      if (event.type === "cap") {
        setText("#cap-count", event.taboo_today);
        setText("#cap-limit", event.taboo_cap);
      } else if (event.type === "queue_depth") {
        setText('[data-shard-depth="' + event.shard_id + '"]', event.waiting);
        setText('[data-shard-held="' + event.shard_id + '"]', event.held);
        setText('[data-shard-paused="' + event.shard_id + '"]', event.paused);
        setText('[data-shard-overdue="' + event.shard_id + '"]', event.overdue);
      } else if (event.type === "feed") {
        const feed = document.getElementById("feed");
        if (feed) {
          const item = document.createElement("li");
          item.textContent = event.message;
          feed.prepend(item);
        }
      }
    };
  }
  document.addEventListener("DOMContentLoaded", connect);
})();
