// ОМК Цифровые сервисы — a short guided tour on the first visit of a page.
// A page names its tour on any element: data-tour="dashboard". Its steps are elements with
// data-tour-step="1", "2", … (the order) and data-tour-text="what this is" (or their data-tip).
// The tour shows once per browser: finishing or skipping it is remembered in localStorage
// ("omk.tour.<name>"). A control with data-tour-reset forgets every tour, so they show again.
"use strict";
(function () {
  var PREFIX = "omk.tour.";

  function storage() {
    try { return window.localStorage; } catch (e) { return null; }  // disabled storage: no tour at all
  }

  function steps() {
    var found = Array.prototype.slice.call(document.querySelectorAll("[data-tour-step]"));
    found = found.filter(function (el) { return el.getClientRects().length > 0 && text(el); });
    return found.sort(function (a, b) {
      return Number(a.getAttribute("data-tour-step")) - Number(b.getAttribute("data-tour-step"));
    });
  }

  function text(el) { return el.getAttribute("data-tour-text") || el.getAttribute("data-tip") || ""; }

  function button(label, cls) {
    var b = document.createElement("button");
    b.type = "button";
    b.textContent = label;
    if (cls) { b.className = cls; }
    return b;
  }

  function run(name, list, store) {
    var index = 0;
    var box = document.createElement("div");
    box.className = "omk-tour";
    box.setAttribute("role", "dialog");
    box.setAttribute("aria-modal", "false");
    box.setAttribute("aria-labelledby", "omk-tour-title");
    box.setAttribute("aria-describedby", "omk-tour-text");
    var title = document.createElement("p");
    title.id = "omk-tour-title";
    title.className = "omk-tour-count";
    var body = document.createElement("p");
    body.id = "omk-tour-text";
    body.setAttribute("aria-live", "polite");
    var skip = button("Пропустить", "link");
    var next = button("Далее", "primary");
    var bar = document.createElement("div");
    bar.className = "omk-tour-buttons";
    bar.appendChild(skip);
    bar.appendChild(next);
    box.appendChild(title);
    box.appendChild(body);
    box.appendChild(bar);
    document.body.appendChild(box);

    function finish() {
      store.setItem(PREFIX + name, "done");
      list.forEach(function (el) { el.classList.remove("omk-tour-target"); });
      document.removeEventListener("keydown", onKey);
      box.remove();
    }

    function show() {
      var el = list[index];
      list.forEach(function (other) { other.classList.toggle("omk-tour-target", other === el); });
      title.textContent = "Подсказка " + (index + 1) + " из " + list.length;
      body.textContent = text(el);
      next.textContent = index === list.length - 1 ? "Готово" : "Далее";
      el.scrollIntoView({ block: "center", behavior: "smooth" });
      var r = el.getBoundingClientRect();
      var left = Math.max(8, Math.min(r.left + window.scrollX, window.scrollX + document.documentElement.clientWidth - box.offsetWidth - 8));
      box.style.left = left + "px";
      box.style.top = (r.bottom + window.scrollY + 10) + "px";
      next.focus({ preventScroll: true });
    }

    function onKey(event) { if (event.key === "Escape") { finish(); } }

    next.addEventListener("click", function () {
      index += 1;
      if (index >= list.length) { finish(); } else { show(); }
    });
    skip.addEventListener("click", finish);
    document.addEventListener("keydown", onKey);
    show();
  }

  function start() {
    var store = storage();
    if (!store) { return; }
    document.addEventListener("click", function (event) {
      var reset = event.target.closest && event.target.closest("[data-tour-reset]");
      if (!reset) { return; }
      Object.keys(store).forEach(function (key) { if (key.indexOf(PREFIX) === 0) { store.removeItem(key); } });
      reset.textContent = "Готово: подсказки покажутся снова при следующем открытии страниц.";
    });
    var holder = document.querySelector("[data-tour]");
    if (!holder) { return; }
    var name = holder.getAttribute("data-tour");
    if (!name || store.getItem(PREFIX + name)) { return; }
    var list = steps();
    if (list.length) { run(name, list, store); }
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
