// The lot page, live: countdown from server time, the anonymised bid feed over SSE, and forms
// sent with fetch to /api/v1 (CSRF header from the omk_csrf cookie, one Idempotency-Key per
// attempt, the button held while it is in flight so a double click acts once).
(function () {
  "use strict";
  var root = document.getElementById("lot");
  if (!root) { return; }
  var lotId = root.dataset.lotId;
  var myAlias = root.dataset.myAlias;
  var state = {
    version: parseInt(root.dataset.version, 10) || 0,
    startsAt: Date.parse(root.dataset.startsAt),
    closesAt: Date.parse(root.dataset.closesAt),
    closesAtOriginal: Date.parse(root.dataset.closesAtOriginal),
    lotStatus: root.dataset.lotStatus,
    auctionStatus: root.dataset.auctionStatus,
    // server clock minus this computer's clock, in ms: corrected again by every event
    offset: Date.parse(root.dataset.serverNow) - Date.now()
  };
  var fmtMoney = new Intl.NumberFormat("ru-RU", { style: "currency", currency: "RUB", minimumFractionDigits: 2 });
  var fmtTime = new Intl.DateTimeFormat("ru-RU", { timeZone: "Europe/Moscow", day: "2-digit", month: "2-digit",
    year: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit" });
  function field(name) { return root.querySelector('[data-field="' + name + '"]'); }
  function money(value) { return value === null || value === undefined ? "—" : fmtMoney.format(Number(value)); }
  function serverNow() { return Date.now() + state.offset; }

  function two(n) { return (n < 10 ? "0" : "") + n; }
  function span(ms) {
    var s = Math.max(0, Math.floor(ms / 1000));
    var d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600), m = Math.floor(s % 3600 / 60);
    return (d ? d + " д " : "") + two(h) + ":" + two(m) + ":" + two(s % 60);
  }
  function tick() {
    var now = serverNow();
    var label = field("time-label"), left = field("time-left");
    if (state.lotStatus !== "open" || state.auctionStatus === "cancelled") {
      label.textContent = "Торги"; left.textContent = state.auctionStatus === "cancelled" ? "аукцион отменён" : "завершены";
    } else if (now < state.startsAt) {
      label.textContent = "До начала торгов"; left.textContent = span(state.startsAt - now);
    } else if (now < state.closesAt) {
      label.textContent = "До закрытия"; left.textContent = span(state.closesAt - now);
    } else {
      label.textContent = "Торги"; left.textContent = "закрываются…";
    }
  }

  function refuseAll(reason) {
    root.querySelectorAll("form.trade").forEach(function (form) {
      form.querySelectorAll("input[name=amount], button").forEach(function (el) { el.disabled = true; });
      var p = form.querySelector("[data-reason]");
      if (!p) { p = document.createElement("p"); p.className = "reason"; p.setAttribute("data-reason", ""); form.appendChild(p); }
      p.textContent = reason;
    });
  }

  function applyState(d) {
    if (d.server_time) { state.offset = Date.parse(d.server_time) - Date.now(); }
    if (d.version !== undefined) { state.version = d.version; }
    if (!d.closes_at) { return; }
    state.closesAt = Date.parse(d.closes_at);
    state.closesAtOriginal = Date.parse(d.closes_at_original);
    state.startsAt = Date.parse(d.starts_at);
    var statusChanged = d.lot_status !== state.lotStatus || d.auction_status !== state.auctionStatus;
    state.lotStatus = d.lot_status; state.auctionStatus = d.auction_status;
    field("closes-at").textContent = fmtTime.format(new Date(state.closesAt));
    field("closes-at-original").textContent = fmtTime.format(new Date(state.closesAtOriginal));
    field("extended").hidden = !d.extended;
    field("leader").textContent = d.leading_amount === null ? "ставок нет"
      : d.leading_alias + (d.leading_alias === myAlias ? " (вы)" : "") + " — " + money(d.leading_amount);
    field("next-minimum").textContent = money(d.next_minimum_bid);
    root.querySelectorAll('[data-field="bid-amount"]').forEach(function (input) {
      if (document.activeElement !== input && Number(input.value) < Number(d.next_minimum_bid)) { input.value = d.next_minimum_bid; }
    });
    if (d.lot_status !== "open" || d.auction_status === "cancelled") {
      refuseAll(d.auction_status === "cancelled" ? "Аукцион отменён: торги не проводятся." : "Торги по лоту завершены.");
    } else if (statusChanged) {
      window.location.reload(); // e.g. trading started: the server decides anew what is allowed
    }
    tick();
  }

  var feed = root.querySelector("[data-feed]");
  function row(b) {
    var tr = document.createElement("tr");
    tr.dataset.alias = b.alias; tr.dataset.amount = b.amount; tr.dataset.placedAt = b.placed_at;
    if (b.mine) { tr.className = "mine"; }
    var who = document.createElement("td"); who.textContent = b.alias;
    if (b.mine) { var you = document.createElement("span"); you.className = "you"; you.textContent = "вы"; who.append(" ", you); }
    var amount = document.createElement("td"); amount.className = "num"; amount.textContent = money(b.amount);
    var at = document.createElement("td"); at.textContent = fmtTime.format(new Date(b.placed_at));
    var lead = document.createElement("td");
    if (b.leading) { var l = document.createElement("span"); l.className = "leading"; l.textContent = "лидирует"; lead.append(l); }
    tr.append(who, amount, at, lead);
    return tr;
  }
  function markLeader() {
    feed.querySelectorAll(".leading").forEach(function (el) { el.remove(); });
    var first = feed.querySelector("tr");
    if (first) { var l = document.createElement("span"); l.className = "leading"; l.textContent = "лидирует"; first.lastChild.append(l); }
    root.querySelector("[data-feed-empty]").hidden = !!first;
  }
  function addBid(b) {
    var tr = row(b); tr.classList.add("fresh");
    feed.prepend(tr); markLeader();
  }
  function removeBid(b) {
    feed.querySelectorAll("tr").forEach(function (tr) {
      if (tr.dataset.alias === b.alias && Number(tr.dataset.amount) === Number(b.amount) && tr.dataset.placedAt === b.placed_at) { tr.remove(); }
    });
    markLeader();
  }
  function rebuild(bids) {
    feed.replaceChildren.apply(feed, bids.map(row)); markLeader();
  }

  var live = field("live-state");
  function listen() {
    if (!window.EventSource) { live.textContent = "Обновите страницу, чтобы увидеть новые ставки."; return; }
    // Last-Event-ID is sent by the browser itself on reconnect; the first connection names the page's version
    var source = new EventSource("/live/lots/" + encodeURIComponent(lotId) + "?since=" + state.version);
    function on(name, fn) { source.addEventListener(name, function (e) { fn(JSON.parse(e.data)); }); }
    on("snapshot", function (d) { rebuild(d.bids); applyState(d); });
    on("bid", function (d) { addBid(d.bid); applyState(d); });
    on("annulled", function (d) { removeBid(d.bid); applyState(d); });
    on("extended", applyState);
    on("closed", applyState);
    on("status", applyState);
    on("heartbeat", function (d) { state.offset = Date.parse(d.server_time) - Date.now(); });
    // the server ended the stream for good: the session or key ended, or the organisation may no longer trade here
    on("revoked", function (d) {
      source.close(); // no reconnecting: it would be refused
      live.textContent = "Обновления в реальном времени остановлены: " + d.message;
      live.setAttribute("role", "alert");
      live.dataset.code = d.code;
      refuseAll(d.message);
      if (d.sign_in) {
        window.setTimeout(function () {
          window.location.assign("/signin?next=" + encodeURIComponent(window.location.pathname));
        }, 3000);
      }
    });
    source.onopen = function () { live.textContent = "Обновления в реальном времени подключены."; };
    source.onerror = function () {
      // CLOSED: the server refused the connection (signed out, no longer admitted); the browser gives up
      live.textContent = source.readyState === EventSource.CLOSED
        ? "Обновления в реальном времени недоступны. Обновите страницу."
        : "Связь прервана, переподключаемся…";
    };
  }

  function cookie(name) {
    var m = document.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)"));
    return m ? decodeURIComponent(m[1]) : "";
  }
  function newKey() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var a = new Uint8Array(16); crypto.getRandomValues(a);
    return Array.prototype.map.call(a, function (x) { return (x + 256).toString(16).slice(1); }).join("");
  }
  var FLASH = { bid: "bid_placed", offer: "offer_saved", edit: "offer_saved", withdraw: "offer_withdrawn", replace: "offer_replaced" };
  function request(kind, form) {
    var base = "/api/v1/lots/" + encodeURIComponent(lotId);
    var offer = form.dataset.offerId ? "/offers/" + encodeURIComponent(form.dataset.offerId) : "";
    var amount = form.querySelector("input[name=amount]");
    var body = amount ? JSON.stringify({ amount: amount.value.replace(/\s/g, "").replace(",", ".") }) : undefined;
    var how = { bid: ["POST", base + "/bids"], offer: ["POST", base + "/offers"], edit: ["PUT", base + offer],
                withdraw: ["DELETE", base + offer], replace: ["POST", base + offer + "/replace"] }[kind];
    return { method: how[0], url: how[1], body: body };
  }
  root.querySelectorAll("form[data-api]").forEach(function (form) {
    var key = null;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var button = form.querySelector("button[type=submit]");
      if (button.disabled) { return; }
      button.disabled = true;
      key = key || newKey(); // kept until the server answers: a retry after a lost answer acts once
      var status = form.querySelector("[data-form-status]");
      status.className = "form-status"; status.textContent = "Отправляем…";
      var r = request(form.dataset.api, form);
      fetch(r.url, { method: r.method, body: r.body, credentials: "same-origin",
                     headers: { "content-type": "application/json", "accept": "application/json",
                                "x-csrf-token": cookie("omk_csrf"), "Idempotency-Key": key } })
        .then(function (response) {
          if (response.ok) {
            window.location.assign("/lots/" + encodeURIComponent(lotId) + "?flash=" + FLASH[form.dataset.api]);
            return;
          }
          key = null; // refused: the next attempt is a new command
          return response.json().catch(function () { return {}; }).then(function (problem) {
            status.className = "form-status bad";
            status.textContent = problem.detail || "Не удалось выполнить действие (код " + response.status + ").";
            button.disabled = false;
          });
        })
        .catch(function () {
          status.className = "form-status bad";
          status.textContent = "Нет связи с сервером. Повторите — повтор не создаст вторую заявку.";
          button.disabled = false;
        });
    });
  });

  tick();
  window.setInterval(tick, 1000);
  listen();
})();
