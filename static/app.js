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
      if (event.repeat) return; // a held key is one press
      // htmx wires up swapped-in buttons a moment after the swap (its settle step); a key pressed in
      // that moment would click a bare button and be lost, so make sure this one is wired first.
      if (window.htmx && !button.dataset.action) window.htmx.process(button);
      button.click();
    }
  });

  // ---- The queue loop (issue 14) ----------------------------------------------------------------
  // Y / N / S rule on the case shown. The server sends, beside it, the next case pre-rendered in a
  // <template id="case-prefetch"> (already leased to this verifier); a key press swaps it in at once
  // and sends the ruling behind it, asking only for the new prefetch (X-Queue-Shown). Requests go
  // one at a time, in order; a case is acted on once, and a key pressed within data-key-guard-ms of
  // a case appearing is taken for a double press and ignored.
  let chain = Promise.resolve();
  let shownAt = 0;
  let prefetched = null; // the <template> holding the next case, or null

  function slot() { return document.getElementById("case-slot"); }
  function guardMs() { return parseInt(document.body.dataset.keyGuardMs || "0", 10); }
  function csrf() {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || ""; }
    catch (e) { return ""; }
  }

  function shown() {
    shownAt = performance.now();
    const card = slot() && slot().querySelector("#case, #case-empty");
    if (card) { card.setAttribute("tabindex", "-1"); card.focus(); }
  }

  // Take the prefetch template out of freshly swapped content (it must not stay in the slot).
  function adoptPrefetch(container) {
    const template = container.querySelector("template#case-prefetch");
    if (template) { template.remove(); prefetched = template; }
    if (slot()) slot().dataset.prefetched = prefetched ? "1" : "0"; // read by bench/browser.py
  }

  function showFlash(container) {
    const old = slot().querySelector(":scope > .flash");
    if (old) old.remove();
    const flash = container.querySelector(".flash");
    if (flash) slot().prepend(flash);
  }

  function post(url, fields, shownCase) {
    const body = new URLSearchParams(fields);
    const headers = { "X-CSRFToken": csrf(), "HX-Request": "true" };
    if (shownCase) headers["X-Queue-Shown"] = shownCase;
    return fetch(url, { method: "POST", body: body, headers: headers, credentials: "same-origin" })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        const box = document.createElement("div");
        box.innerHTML = html;
        return box;
      });
  }

  function swapWhole(box) {
    prefetched = null;
    adoptPrefetch(box);
    slot().replaceChildren.apply(slot(), Array.from(box.childNodes));
    if (window.htmx) window.htmx.process(slot());
    shown();
  }

  function act(button) {
    const action = button.dataset.action;
    if (action === "undo") {
      button.disabled = true;
      chain = chain.then(function () {
        return post(button.dataset.url, {}, null).then(swapWhole);
      }).catch(function () {}).then(function () { button.disabled = false; });
      return;
    }
    const card = button.closest("#case");
    if (action === "reveal") { // VQ-11: show the lexicon terms this taboo post hides
      if (card) card.querySelectorAll(".masked").forEach(function (el) {
        el.textContent = el.dataset.term; el.classList.replace("masked", "revealed");
      });
      return;
    }
    if (!card || card.dataset.acted) return;
    if (performance.now() - shownAt < guardMs()) return;
    card.dataset.acted = "1";
    card.querySelectorAll("[data-action]").forEach(function (b) { b.disabled = true; });
    const fields = { answer: button.dataset.answer || "", idempotency_key: card.dataset.leaseKey || "" };
    let shownCase = null;
    if (prefetched) {
      const next = prefetched.content.cloneNode(true);
      prefetched = null;
      slot().dataset.prefetched = "0";
      slot().replaceChildren(next);
      if (window.htmx) window.htmx.process(slot());
      shown();
      const now = slot().querySelector("#case");
      shownCase = now ? now.dataset.caseId : null;
    }
    chain = chain.then(function () {
      return post(button.dataset.url, fields, shownCase).then(function (box) {
        if (shownCase) { adoptPrefetch(box); showFlash(box); } else { swapWhole(box); }
      });
    }).catch(function () {
      const p = document.createElement("p");
      p.className = "flash error";
      p.textContent = document.body.dataset.offline || "";
      slot().prepend(p);
      delete card.dataset.acted;
    });
  }

  document.addEventListener("click", function (event) {
    const button = event.target.closest && event.target.closest("[data-action]");
    if (!button || button.disabled) return;
    event.preventDefault();
    act(button);
  });

  // After htmx swaps a case in (first load, "Check again"), keep its prefetch and focus the case.
  document.addEventListener("htmx:afterSettle", function (event) {
    if (event.target.id === "case-slot") { prefetched = null; adoptPrefetch(event.target); }
    const card = event.target.querySelector("#case, #case-empty");
    if (card) shown();
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
        setText("#cap-left", Math.max(0, event.taboo_cap - event.taboo_today));
      } else if (event.type === "queue_depth") {
        setText('[data-shard-depth="' + event.shard_id + '"]', event.waiting);
        setText('[data-shard-held="' + event.shard_id + '"]', event.held);
        setText('[data-shard-paused="' + event.shard_id + '"]', event.paused);
        setText('[data-shard-overdue="' + event.shard_id + '"]', event.overdue);
      } else if (event.type === "feed") {
        const feed = document.getElementById("feed");
        if (feed) {
          const item = document.createElement("li");
          item.textContent = event.text || event.message; // issue 14: in this page's language
          feed.prepend(item);
        }
      }
    };
  }
  document.addEventListener("DOMContentLoaded", connect);
})();
