// VRS tablet screen (/tablet): registers doses with the tablet's device token
// (Authorization: Bearer), queues them on the tablet while the service cannot be
// reached and sends each once when it answers again. Shows back only what the
// OCR line itself says (municipality name from its code, ticket number).
// No inline script (CSP); text is put in the page with textContent only.
"use strict";
(function () {
  var TOKEN = "vrs.tablet.token";
  var MUNIS = "vrs.tablet.municipalities";
  var ENTRIES = "vrs.tablet.entries";
  var RETRY_MS = 2000;

  function $(id) { return document.getElementById(id); }
  function load(key, fallback) {
    try { var v = localStorage.getItem(key); return v === null ? fallback : JSON.parse(v); }
    catch (e) { return fallback; }
  }
  function save(key, value) { localStorage.setItem(key, JSON.stringify(value)); }

  // Today in Japan time (UTC+9, no DST), YYYY-MM-DD.
  function today() {
    return new Date(Date.now() + 9 * 3600 * 1000).toISOString().slice(0, 10);
  }

  // Full-width digits (as some scanners and IMEs give them) to ASCII.
  function asciiDigits(s) {
    return s.replace(/[\uFF10-\uFF19]/g, function (c) {
      return String.fromCharCode(c.charCodeAt(0) - 0xFF10 + 48);
    }).replace(/[\s-]/g, "");
  }

  // Mirrors vrs_domain::MunicipalityCode::check_digit (JIS X 0402):
  // S = 6d1 + 5d2 + 4d3 + 3d4 + 2d5, check = (11 - S mod 11) mod 10.
  function checkDigit(five) {
    var w = [6, 5, 4, 3, 2], s = 0;
    for (var i = 0; i < 5; i++) { s += w[i] * (five.charCodeAt(i) - 48); }
    return (11 - (s % 11)) % 10;
  }

  // Mirrors vrs_domain::OcrLine's parser: 18 ASCII digits = kind (1), dose
  // count (1), municipality code with check digit (6, a registered
  // municipality), ticket number (10). Returns {ok, message, code, ticket}.
  function parseOcr(raw, munis) {
    var s = asciiDigits(raw);
    if (s.length === 0) { return { ok: false, message: "" }; }
    if (!/^[0-9]*$/.test(s)) {
      return { ok: false, message: "数字のみ入力してください / digits only" };
    }
    if (s.length < 18) {
      return { ok: false, message: "あと" + (18 - s.length) + "桁 / " + (18 - s.length) + " more digits" };
    }
    if (s.length > 18) {
      return { ok: false, message: "18桁を超えています / more than 18 digits" };
    }
    var code = s.slice(2, 8);
    if (checkDigit(code.slice(0, 5)) !== code.charCodeAt(5) - 48) {
      return { ok: false, code: code,
        message: "市区町村コード " + code + " の検査数字が合いません（読み取り誤りの可能性） / the check digit of municipality code " + code + " does not match (misread?)" };
    }
    if (munis && !Object.prototype.hasOwnProperty.call(munis, code)) {
      return { ok: false, code: code,
        message: "市区町村コード " + code + " は登録されていません / " + code + " is no registered municipality" };
    }
    return { ok: true, line: s, code: code, ticket: s.slice(8), message: "OK" };
  }

  var munis = load(MUNIS, null);
  function fetchMunicipalities() {
    fetch("/tablet/municipalities.json", { credentials: "omit" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (m) { if (m) { munis = m; save(MUNIS, m); showOcr(); } })
      .catch(function () { /* offline: the kept copy serves */ });
  }

  function entries() { return load(ENTRIES, []); }
  function setEntries(list) { save(ENTRIES, list); render(); }

  // Only today's entries are kept (the day's list); earlier ones still unsent stay.
  function prune() {
    var d = today();
    setEntries(entries().filter(function (e) {
      return e.day === d || e.state === "queued" || e.state === "sending";
    }));
  }

  var STATES = {
    queued: "未送信 / queued",
    sending: "送信中 / sending",
    sent: "登録済 / registered",
    rejected: "不受理 / rejected"
  };

  function answerText(e) {
    if (!e.answer) { return e.note || ""; }
    var a = e.answer;
    if (e.state === "sent") {
      var t = "第" + a.dose_number + "回 dose " + a.dose_number + " · " + a.dose_id;
      if (a.existing) { t += " · 既登録 / already registered"; }
      if (a.review && a.review.length) { t += " · 要確認 / review: " + a.review.join(", "); }
      return t;
    }
    return "HTTP " + e.status + ": " + a;
  }

  function cell(tr, text) {
    var td = document.createElement("td");
    td.textContent = text;
    tr.appendChild(td);
    return td;
  }

  function render() {
    var body = $("log-rows");
    if (!body) { return; }
    var list = entries();
    while (body.firstChild) { body.removeChild(body.firstChild); }
    var queued = 0;
    list.forEach(function (e) {
      var tr = document.createElement("tr");
      tr.setAttribute("data-state", e.state);
      tr.setAttribute("data-ocr", e.ocr);
      cell(tr, e.at.slice(11, 16));
      cell(tr, e.code + " " + e.ticket);
      cell(tr, e.vaccine + " / " + e.lot + (e.venue ? " / " + e.venue : ""));
      cell(tr, e.date);
      cell(tr, STATES[e.state] || e.state);
      cell(tr, answerText(e));
      body.appendChild(tr);
      if (e.state === "queued" || e.state === "sending") { queued++; }
    });
    $("queue-status").textContent = queued === 0
      ? "未送信はありません / nothing queued"
      : "未送信 " + queued + " 件（接続が戻ると送信します） / " + queued + " queued (sent when the connection returns)";
  }

  function showOcr() {
    var r = parseOcr($("ocr").value, munis);
    var status = $("ocr-status");
    status.textContent = r.message;
    status.className = r.ok ? "ok" : (r.message ? "error" : "");
    $("ocr").setAttribute("aria-invalid", r.ok || !r.message ? "false" : "true");
    $("ticket-municipality").textContent = r.ok ? (munis ? munis[r.code] + " (" + r.code + ")" : r.code) : "—";
    $("ticket-number").textContent = r.ok ? r.ticket : "—";
    return r;
  }

  var sending = false;
  var retryTimer = null;
  function later() {
    if (retryTimer === null) {
      retryTimer = setTimeout(function () { retryTimer = null; flush(); }, RETRY_MS);
    }
  }

  function update(id, fields) {
    var list = entries();
    list.forEach(function (e) { if (e.id === id) { Object.assign(e, fields); } });
    setEntries(list);
  }

  // Sends the oldest queued entry, then the next: one request at a time, so an
  // entry is sent again only when no answer came (and then the service answers
  // `existing` instead of registering it twice).
  function flush() {
    if (sending) { return; }
    var token = localStorage.getItem(TOKEN);
    var next = entries().filter(function (e) { return e.state === "queued" || e.state === "sending"; })[0];
    if (!token || !next) { return; }
    sending = true;
    update(next.id, { state: "sending" });
    var body = { ocr_line: next.ocr, vaccine: next.vaccine, lot: next.lot, date: next.date };
    if (next.venue) { body.venue = next.venue; }
    fetch("/api/v1/doses", {
      method: "POST",
      credentials: "omit",
      cache: "no-store",
      headers: { "Authorization": "Bearer " + token, "Content-Type": "application/json" },
      body: JSON.stringify(body)
    }).then(function (r) {
      return r.text().then(function (text) {
        var json = null;
        try { json = JSON.parse(text); } catch (e) { json = null; }
        sending = false;
        if (r.status === 200 || r.status === 201) {
          update(next.id, { state: "sent", status: r.status, answer: json, note: "" });
          flush();
        } else if (r.status === 401) {
          update(next.id, { state: "queued", note: "端末トークンが無効です（管理者に連絡） / this tablet's token is not accepted" });
          $("form-status").textContent = "端末トークンが無効です / the device token is not accepted";
        } else if (r.status === 429 || r.status >= 500) {
          update(next.id, { state: "queued", note: "HTTP " + r.status + ": 再送します / will retry" });
          later();
        } else {
          var msg = json && json.error ? json.error.message
            : json && json.refused ? json.refused.message : text.slice(0, 200);
          update(next.id, { state: "rejected", status: r.status, answer: msg });
          flush();
        }
      });
    }).catch(function () {
      // No connection: the entry stays queued, and is tried again.
      sending = false;
      update(next.id, { state: "queued", note: "接続なし / no connection" });
      later();
    });
  }

  function randomId() {
    var a = new Uint8Array(8);
    crypto.getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function submit(ev) {
    ev.preventDefault();
    var r = showOcr();
    var form = $("form-status");
    if (!r.ok) { form.textContent = r.message || "OCR行を入力してください / enter the OCR line"; $("ocr").focus(); return; }
    var lot = $("lot").value.trim();
    if (!lot) { form.textContent = "ロット番号を入力してください / enter the lot"; $("lot").focus(); return; }
    var date = $("date").value;
    if (!date) { form.textContent = "接種日を入力してください / enter the date"; $("date").focus(); return; }
    var now = new Date(Date.now() + 9 * 3600 * 1000).toISOString();
    var list = entries();
    list.push({
      id: randomId(), at: now, day: today(), ocr: r.line, code: r.code, ticket: r.ticket,
      vaccine: $("vaccine").value, lot: lot, date: date, venue: $("venue").value.trim(),
      state: "queued", status: null, answer: null, note: ""
    });
    setEntries(list);
    form.textContent = "受け付けました / accepted: " + r.code + " " + r.ticket;
    $("ocr").value = "";
    showOcr();
    $("ocr").focus();
    flush();
  }

  function showScreens() {
    var paired = !!localStorage.getItem(TOKEN);
    $("pair").hidden = paired;
    $("entry").hidden = !paired;
    if (paired) { $("ocr").focus(); } else { $("token").focus(); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    $("pair-form").addEventListener("submit", function (ev) {
      ev.preventDefault();
      var t = $("token").value.trim();
      if (t) { localStorage.setItem(TOKEN, t); $("token").value = ""; showScreens(); flush(); }
    });
    $("unpair").addEventListener("click", function () {
      localStorage.removeItem(TOKEN);
      showScreens();
    });
    $("ocr").addEventListener("input", showOcr);
    $("dose-form").addEventListener("submit", submit);
    if (!$("date").value) { $("date").value = today(); }
    window.addEventListener("online", flush);
    if ("serviceWorker" in navigator) {
      navigator.serviceWorker.register("/tablet-sw.js", { scope: "/tablet" }).catch(function () { /* the screen works without it */ });
    }
    fetchMunicipalities();
    prune();
    showScreens();
    flush();
  });
})();
