// The cabinet's bids page, live: a staff-only stream (/live/admin/auctions/{id}) names the lots whose
// bids or offers changed — never amounts or organisations. The page then re-reads itself and swaps
// in those lots' sections, so what staff see is always the server's own staff table. A section where
// an annulment reason is being typed is left alone (the person is told to refresh when done).
"use strict";
(function () {
  var holder = document.querySelector("[data-live-staff]");
  if (!holder || !window.EventSource || !window.fetch || !window.DOMParser) { return; }
  var pending = null;  // null: nothing to re-read; []: every lot; else the ids of the lots to re-read
  var timer = null;
  var fmtTime = new Intl.DateTimeFormat("ru-RU", { timeZone: "Europe/Moscow", hour: "2-digit", minute: "2-digit", second: "2-digit" });

  function busy(section) {
    var active = document.activeElement;
    if (active && active !== document.body && section.contains(active)) { return true; }
    return Array.prototype.some.call(section.querySelectorAll("input[name=reason]"), function (input) {
      return input.value.trim() !== "";
    });
  }

  function refresh() {
    var lots = pending;
    pending = null; timer = null;
    if (lots === null) { return; }
    fetch(window.location.pathname, { credentials: "same-origin", headers: { accept: "text/html" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html === null) { return; }
        var doc = new DOMParser().parseFromString(html, "text/html");
        var waiting = false;
        doc.querySelectorAll("section.lot-bids").forEach(function (fresh) {
          if (lots.length && lots.indexOf(fresh.id.replace(/^lot-/, "")) < 0) { return; }
          var current = document.getElementById(fresh.id);
          if (!current) { return; }
          if (busy(current)) { waiting = true; return; }
          current.replaceWith(document.importNode(fresh, true));
        });
        holder.textContent = waiting
          ? "Есть новые ставки: обновите страницу, когда закончите ввод причины."
          : "Обновлено в " + fmtTime.format(new Date()) + " (МСК).";
      })
      .catch(function () { holder.textContent = "Не удалось обновить таблицу: обновите страницу."; });
  }

  function want(lots) {
    if (pending === null) { pending = lots.slice(); }
    else if (!lots.length || !pending.length) { pending = []; }
    else { lots.forEach(function (id) { if (pending.indexOf(id) < 0) { pending.push(id); } }); }
    if (!timer) { timer = window.setTimeout(refresh, 400); }  // a burst of bids: one re-read
  }

  var opened = false;
  var source = new EventSource(holder.getAttribute("data-live-staff"));
  source.addEventListener("changed", function (e) { want(JSON.parse(e.data).lots || []); });
  source.addEventListener("revoked", function (e) {
    var d = JSON.parse(e.data);
    source.close();
    holder.textContent = "Обновления в реальном времени остановлены: " + d.message;
    holder.setAttribute("role", "alert");
    if (d.sign_in) {
      window.setTimeout(function () {
        window.location.assign("/signin?next=" + encodeURIComponent(window.location.pathname));
      }, 3000);
    }
  });
  source.onopen = function () {
    if (opened) { want([]); }  // reconnected: notices may have been missed while away
    opened = true;
  };
  // the first event comes once the server follows the auction: from then on no change is missed
  source.addEventListener("heartbeat", function () { holder.dataset.state = "open"; });
  source.onerror = function () {
    holder.dataset.state = "error";
    holder.textContent = source.readyState === EventSource.CLOSED
      ? "Обновления в реальном времени недоступны. Обновите страницу."
      : "Связь прервана, переподключаемся…";
  };
})();
