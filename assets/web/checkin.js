// The phone check-in page: the venue QR on a kiosk opens /c/<token>; this
// posts the token and the visitor's phone or ID number to the collector,
// which checks the kiosk's signature and that the code is current.
"use strict";
(function () {
  var T = {
    vi: { title: "Khai báo tại địa điểm", lang: "English", label: "Số điện thoại hoặc số CCCD",
          hint: "Ví dụ: 0912345678", send: "Khai báo", privacy: "Thông tin chỉ dùng cho truy vết dịch tễ.",
          accepted: "Đã ghi nhận. Cảm ơn bạn!",
          stale: "Mã QR đã hết hạn. Vui lòng quét lại mã trên màn hình.",
          bad_number: "Số không hợp lệ. Nhập 10 số điện thoại hoặc 12 số CCCD.",
          bad_token: "Mã QR không hợp lệ. Vui lòng quét lại mã trên màn hình.",
          too_many: "Có quá nhiều lượt khai báo. Vui lòng thử lại sau {s} giây.",
          slot_full: "Đang có nhiều người khai báo tại đây. Vui lòng quét mã mới trên màn hình sau {s} giây.",
          error: "Không gửi được. Vui lòng thử lại." },
    en: { title: "Check in at this venue", lang: "Tiếng Việt", label: "Phone number or ID card number",
          hint: "For example: 0912345678", send: "Check in", privacy: "Used only for contact tracing.",
          accepted: "Checked in. Thank you!",
          stale: "This QR code has expired. Please scan the code on the screen again.",
          bad_number: "Not a valid number. Enter a 10-digit phone or 12-digit ID number.",
          bad_token: "This QR code is not valid. Please scan the code on the screen again.",
          too_many: "Too many check-ins just now. Please try again in {s} seconds.",
          slot_full: "Many people are checking in here just now. Please scan the new code on the screen in {s} seconds.",
          error: "Could not send. Please try again." }
  };
  // Vietnamese first, whatever the phone's language; English on the button.
  var lang = /[?&]lang=en\b/.test(location.search) ? "en" : "vi";
  var token = decodeURIComponent(location.pathname.replace(/^\/c\//, ""));
  var $ = function (id) { return document.getElementById(id); };

  function apply() {
    var t = T[lang];
    document.documentElement.lang = lang;
    $("title").textContent = t.title; $("lang").textContent = t.lang;
    $("who-label").textContent = t.label; $("hint").textContent = t.hint;
    $("send").textContent = t.send; $("privacy").textContent = t.privacy;
  }
  function show(kind, key, venue, secs) {
    var r = $("result");
    r.hidden = false; r.className = kind;
    r.textContent = (T[lang][key] || T[lang].error).replace("{s}", secs || 30);
    if (venue) $("venue").textContent = venue;
  }
  $("lang").addEventListener("click", function () { lang = lang === "vi" ? "en" : "vi"; apply(); });
  $("form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var who = $("who").value.replace(/[\s.\-]/g, "");
    if (!/^(\+?84|0)\d{9}$|^\d{12}$/.test(who)) { show("rejected", "bad_number"); return; }
    $("send").disabled = true;
    fetch("/api/v1/phone-checkin", { method: "POST", headers: { "Content-Type": "application/json" },
                                     body: JSON.stringify({ token: token, who: who }) })
      .then(function (res) { return res.json(); })
      .then(function (d) {
        if (d.result === "accepted") show("accepted", "accepted", d.venue_name);
        else show("rejected", d.reason || "error", null, d.retry_after_s);
      })
      .catch(function () { show("rejected", "error"); })
      .then(function () { $("send").disabled = false; });
  });
  apply();
  // The venue's name, from the collector (which checks the code first).
  fetch("/api/v1/venue/" + encodeURIComponent(token))
    .then(function (res) { return res.json(); })
    .then(function (d) {
      if (d.venue_name) $("venue").textContent = d.venue_name;
      else if (d.reason) show("rejected", d.reason);
    })
    .catch(function () {});
})();
