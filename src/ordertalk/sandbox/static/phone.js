// The sandbox's phone page (no build step, nothing downloaded). Without this script every
// button is a form post and the page reloads; with it:
// - <ol data-refresh="URL" data-every="S"> polls URL (an HTML fragment of <li id=...> items)
//   and merges it by id: unchanged items stay (focus and open menus survive), only a changed
//   status tick is swapped, new items are added;
// - <form data-send> posts with fetch() and refreshes at once instead of reloading.
(function () {
  "use strict";
  var regions = [];

  function withoutStatus(node) {
    var copy = node.cloneNode(true);
    copy.querySelectorAll("[data-status]").forEach(function (tick) { tick.remove(); });
    return copy.innerHTML;
  }

  function merge(region, html) {
    var incoming = document.createElement("template");
    incoming.innerHTML = html;
    var fresh = Array.prototype.slice.call(incoming.content.children);
    var existing = {};
    Array.prototype.forEach.call(region.children, function (child) { existing[child.id] = child; });
    var added = false;
    fresh.forEach(function (node, index) {
      var old = existing[node.id];
      var keep = old;
      if (!old) {
        keep = node;
        added = true;
      } else if (old.outerHTML !== node.outerHTML) {
        if (withoutStatus(old) === withoutStatus(node)) {
          var oldTicks = old.querySelectorAll("[data-status]");
          var newTicks = node.querySelectorAll("[data-status]");
          if (oldTicks.length === newTicks.length) {
            oldTicks.forEach(function (tick, i) { tick.replaceWith(newTicks[i]); });
          } else {
            old.replaceWith(node);
            keep = node;
          }
        } else {
          old.replaceWith(node);
          keep = node;
        }
      }
      delete existing[node.id];
      if (region.children[index] !== keep) region.insertBefore(keep, region.children[index] || null);
    });
    Object.keys(existing).forEach(function (id) { existing[id].remove(); });
    return added;
  }

  // The chat's messages scroll inside <main> (the bar and the composer stay put).
  function scroller() {
    var log = document.getElementById("log");
    return (log && log.closest("main")) || document.scrollingElement;
  }

  function nearBottom() {
    var box = scroller();
    return box.scrollTop + box.clientHeight >= box.scrollHeight - 120;
  }

  function toBottom() {
    var box = scroller();
    box.scrollTop = box.scrollHeight;
  }

  function refresh(region, force) {
    if (region.busy || (document.hidden && !force)) return Promise.resolve();
    region.busy = true;
    var follow = nearBottom();
    return fetch(region.getAttribute("data-refresh"), { headers: { "Accept": "text/html" }, cache: "no-store" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html === null || html === region.lastHtml) return;
        region.lastHtml = html;
        if (merge(region, html) && follow && region.id === "log") toBottom();
      })
      .catch(function () {})
      .finally(function () { region.busy = false; });
  }

  function refreshAll() {
    return Promise.all(regions.map(function (region) { return refresh(region, true); }));
  }

  document.querySelectorAll("[data-refresh]").forEach(function (region) {
    regions.push(region);
    var every = Math.max(1, parseFloat(region.getAttribute("data-every") || "2")) * 1000;
    setInterval(function () { refresh(region, false); }, every);
  });

  function say(text) {
    var alert = document.getElementById("send-error");
    if (!alert) {
      alert = document.createElement("p");
      alert.id = "send-error";
      alert.className = "alert";
      alert.setAttribute("role", "alert");
      var log = document.getElementById("log");
      (log ? log.parentNode : document.body).insertBefore(alert, log || null);
    }
    alert.textContent = text;
    alert.hidden = !text;
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-send]")) return;
    event.preventDefault();
    var data = new FormData(form);
    var submitter = event.submitter;
    if (submitter && submitter.name) data.append(submitter.name, submitter.value);
    form.querySelectorAll("[popover]").forEach(function (sheet) {
      if (sheet.matches(":popover-open")) sheet.hidePopover();
    });
    var sheet = form.closest("[popover]");
    if (sheet && sheet.matches(":popover-open")) sheet.hidePopover();
    fetch(form.action, { method: "POST", body: data, headers: { "Accept": "application/json" } })
      .then(function (response) {
        return response.json().then(function (body) {
          if (!response.ok) {
            var error = body && body.error;
            say((error && error.error_data && error.error_data.details) || "The message was not sent.");
            return;
          }
          say("");
          if (form.querySelector("input[name=kind][value=text], input[name=kind][value=photo]")) form.reset();
          return refreshAll().then(toBottom);
        });
      })
      .catch(function () { say("The sandbox did not answer. Is it still running?"); });
  });

  if (document.getElementById("log")) toBottom();
})();
