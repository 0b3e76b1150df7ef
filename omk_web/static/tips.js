// ОМК Цифровые сервисы — tooltips. Any element with data-tip="…" explains itself on hover and on keyboard
// focus: the text goes into a role="tooltip" element the control points at with aria-describedby, so
// screen readers read it too. Elements that cannot take focus get tabindex="0". Escape hides the tooltip.
// Elements added later (live updates) are picked up as well. No inline styles: positions are set through
// the CSSOM, which the content security policy allows.
"use strict";
(function () {
  var counter = 0;
  var shown = null;
  var FOCUSABLE = "a[href], button, input, select, textarea, summary, [tabindex]";

  function hide() {
    if (shown) { shown.tip.hidden = true; shown.el.removeAttribute("data-tip-open"); shown = null; }
  }

  function place(el, tip) {
    var box = el.getBoundingClientRect();
    var width = tip.offsetWidth;
    var left = Math.max(8, Math.min(box.left + window.scrollX, window.scrollX + document.documentElement.clientWidth - width - 8));
    var top = box.bottom + window.scrollY + 6;
    if (box.bottom + tip.offsetHeight + 12 > window.innerHeight && box.top > tip.offsetHeight + 12) {
      top = box.top + window.scrollY - tip.offsetHeight - 6;  // no room below: above the element
    }
    tip.style.left = left + "px";
    tip.style.top = top + "px";
  }

  function show(el, tip) {
    if (shown && shown.tip === tip) { return; }
    hide();
    tip.textContent = el.getAttribute("data-tip");  // the text may have changed (live pages)
    tip.hidden = false;
    el.setAttribute("data-tip-open", "");
    place(el, tip);
    shown = { el: el, tip: tip };
  }

  function setup(el) {
    if (el.hasAttribute("data-tip-ready") || !el.getAttribute("data-tip")) { return; }
    var tip = document.createElement("span");
    tip.className = "omk-tip";
    tip.id = "omk-tip-" + (++counter);
    tip.setAttribute("role", "tooltip");
    tip.textContent = el.getAttribute("data-tip");
    tip.hidden = true;
    document.body.appendChild(tip);
    var described = el.getAttribute("aria-describedby");
    el.setAttribute("aria-describedby", described ? described + " " + tip.id : tip.id);
    if (el.getAttribute("title") === el.getAttribute("data-tip")) {
      el.removeAttribute("title");  // the native tooltip would repeat ours (it stays for pages without scripts)
    }
    if (!el.matches(FOCUSABLE)) { el.setAttribute("tabindex", "0"); }
    el.setAttribute("data-tip-ready", "");
    el.addEventListener("mouseenter", function () { show(el, tip); });
    el.addEventListener("focus", function () { show(el, tip); });
    el.addEventListener("mouseleave", function () { if (document.activeElement !== el) { hide(); } });
    el.addEventListener("blur", hide);
  }

  function scan(root) {
    if (root.nodeType !== 1) { return; }
    if (root.hasAttribute("data-tip")) { setup(root); }
    var found = root.querySelectorAll("[data-tip]");
    for (var i = 0; i < found.length; i++) { setup(found[i]); }
  }

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { hide(); }
  });
  window.addEventListener("resize", function () { if (shown) { place(shown.el, shown.tip); } });

  function start() {
    scan(document.body);
    if (window.MutationObserver) {
      new MutationObserver(function (changes) {
        changes.forEach(function (change) { change.addedNodes.forEach(scan); });
      }).observe(document.body, { childList: true, subtree: true });
    }
  }

  window.omkTips = { refresh: function () { scan(document.body); }, hide: hide };
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
