/* The query code page: the code arrives only in the URL's fragment (never sent to the server).
   Show it where the page has a place for it, then drop it from the address bar and history. */
(function () {
  var code = decodeURIComponent((window.location.hash || "").replace(/^#/, ""));
  if (!/^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/.test(code)) { return; }
  document.querySelectorAll(".js-code").forEach(function (el) { el.textContent = code; });
  document.querySelectorAll("[data-code-present]").forEach(function (el) { el.hidden = false; });
  document.querySelectorAll("[data-code-absent]").forEach(function (el) { el.hidden = true; });
  if (window.history && window.history.replaceState) {
    window.history.replaceState(null, "", window.location.pathname + window.location.search);
  }
})();
