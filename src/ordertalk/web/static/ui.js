// The dashboard's small helpers (no build step): live regions that refresh themselves, and
// canned responses inserted into the reply box.
(function () {
  "use strict";
  // <div data-refresh="/ui/...fragment" data-every="5"> is replaced by the fragment when it changes.
  document.querySelectorAll("[data-refresh]").forEach(function (region) {
    var every = Math.max(2, parseInt(region.getAttribute("data-every") || "5", 10)) * 1000;
    var busy = false;
    setInterval(function () {
      if (busy || document.hidden) return;
      busy = true;
      fetch(region.getAttribute("data-refresh"), { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (response) {
          if (response.redirected || response.status === 401) { window.location.reload(); return null; }
          return response.ok ? response.text() : null;
        })
        .then(function (html) {
          if (html !== null && html !== undefined && html !== region.getAttribute("data-last")) {
            region.setAttribute("data-last", html);
            region.innerHTML = html;
          }
        })
        .catch(function () {})
        .finally(function () { busy = false; });
    }, every);
  });
  // <button data-insert-from="select-id" data-insert-into="textarea-id">
  document.querySelectorAll("[data-insert-from]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var select = document.getElementById(button.getAttribute("data-insert-from"));
      var box = document.getElementById(button.getAttribute("data-insert-into"));
      var option = select && select.options[select.selectedIndex];
      if (!option || !box || !option.getAttribute("data-body")) return;
      box.value = box.value ? box.value + "\n" + option.getAttribute("data-body") : option.getAttribute("data-body");
      box.focus();
    });
  });
})();
