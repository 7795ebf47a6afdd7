/* Ordertalk opt-in widget for {{ store_name }}: a phone field, a WhatsApp updates checkbox, an
   optional offers checkbox and a chat link. No cookies, no tracking; one POST when saved. */
(function () {
  "use strict";
  var config = {{ config_json | safe }};
  var script = document.currentScript;
  var box = document.createElement("form");
  box.className = "ordertalk-optin";
  box.setAttribute("aria-label", config.chat_text);
  box.style.cssText = "font:16px/1.5 system-ui,sans-serif;color:#1b1f23;border:1px solid #d1d5db;" +
    "border-radius:8px;padding:12px;max-width:360px;background:#fff";
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text) { node.textContent = text; }
    return node;
  }
  var uid = "ot-" + Math.random().toString(36).slice(2, 8);
  var phoneLabel = el("label", {"for": uid + "-phone"}, config.phone_label);
  phoneLabel.style.cssText = "display:block;font-weight:600";
  var phone = el("input", {id: uid + "-phone", name: "phone", type: "tel", autocomplete: "tel",
                           required: "required", inputmode: "tel"});
  phone.style.cssText = "width:100%;min-height:44px;padding:8px;border:1px solid #4b5563;border-radius:6px";
  function checkbox(name, text) {
    var wrap = el("label", {"for": uid + "-" + name});
    wrap.style.cssText = "display:flex;gap:8px;align-items:flex-start;margin-top:8px";
    var input = el("input", {id: uid + "-" + name, name: name, type: "checkbox"});
    input.style.cssText = "width:20px;height:20px;margin-top:2px";
    wrap.appendChild(input);
    wrap.appendChild(el("span", {}, text));
    return [wrap, input];
  }
  var utility = checkbox("utility", config.utility_text);
  var marketing = config.marketing_text ? checkbox("marketing", config.marketing_text) : null;
  var save = el("button", {type: "submit"}, config.button_text);
  save.style.cssText = "margin-top:12px;min-height:44px;padding:8px 16px;border-radius:6px;" +
    "border:1px solid #0b6e4f;background:#0b6e4f;color:#fff;font:inherit;cursor:pointer";
  var status = el("p", {role: "status", "aria-live": "polite"});
  box.appendChild(phoneLabel);
  box.appendChild(phone);
  box.appendChild(utility[0]);
  if (marketing) { box.appendChild(marketing[0]); }
  box.appendChild(save);
  box.appendChild(status);
  if (config.chat_url) {
    var chat = el("a", {href: config.chat_url, target: "_blank", rel: "noopener"}, config.chat_text);
    chat.style.cssText = "display:inline-block;margin-top:4px;color:#0b6e4f;font-weight:600";
    box.appendChild(chat);
  }
  box.addEventListener("submit", function (event) {
    event.preventDefault();
    status.textContent = "";
    var body = {phone: phone.value, utility: utility[1].checked,
                marketing: marketing ? marketing[1].checked : false, page: location.href};
    fetch(config.endpoint, {method: "POST", headers: {"Content-Type": "application/json"},
                            body: JSON.stringify(body)})
      .then(function (response) {
        return response.json().then(function (data) { return [response.ok, data]; });
      })
      .then(function (result) {
        status.textContent = result[0] ? config.saved_text : ((result[1].error || {}).message || config.failed_text);
      })
      .catch(function () { status.textContent = config.failed_text; });
  });
  var target = script && script.getAttribute("data-target");
  var place = target ? document.querySelector(target) : null;
  if (place) { place.appendChild(box); }
  else if (script && script.parentNode) { script.parentNode.insertBefore(box, script.nextSibling); }
})();
