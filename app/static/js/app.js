/* Small behaviours of the admin pages. No external libraries beyond FAB's jQuery. */
(function ($) {
  "use strict";

  // The navbar's search: the box takes the keys as soon as it opens; a click inside keeps it open.
  $(document).on("shown.bs.dropdown", "#xf-search-menu", function () { $("#xf-search").trigger("focus"); });
  $(document).on("click", ".xf-navbar-search", function (event) { event.stopPropagation(); });

  // Petitioner rows on the case form: add a row by cloning the last one with the next index.
  function renumber($row, index) {
    $row.find("input, select, textarea").each(function () {
      var name = this.name.replace(/^petitioners-\d+-/, "petitioners-" + index + "-");
      this.name = name;
      this.id = name;
    });
  }
  $(document).on("click", "#add-petitioner", function () {
    var $body = $("#petitioner-rows tbody");
    var $rows = $body.find("tr.xf-petitioner-row");
    var $clone = $rows.last().clone();
    $clone.find("input").val("");
    $clone.find(".help-block").remove();
    $clone.find(".has-error").removeClass("has-error");
    var next = 0;
    $rows.find("input").each(function () {
      var m = /^petitioners-(\d+)-/.exec(this.name);
      if (m) { next = Math.max(next, parseInt(m[1], 10) + 1); }
    });
    renumber($clone, next);
    $body.append($clone);
    $clone.find("input[type=text]").first().trigger("focus");
  });
  $(document).on("click", ".xf-remove-row", function () {
    var $rows = $("#petitioner-rows tbody tr.xf-petitioner-row");
    var $row = $(this).closest("tr");
    if ($rows.length > 1) { $row.remove(); } else { $row.find("input").val(""); }
  });

  // Destructive forms ask first (the message is on the form: data-confirm="…").
  $(document).on("submit", "form[data-confirm]", function (event) {
    if (!window.confirm($(this).data("confirm"))) {
      event.preventDefault();
      event.stopImmediatePropagation();
      return false;
    }
    return true;
  });

  // A form is submitted once: a double click on "save" must not register a case twice.
  // (Disabled after the browser has collected the form data, so named buttons still count.)
  // A form with data-confirm has been confirmed by the handler above before this one runs.
  $(document).on("submit", "form[method=post], form[method=POST]", function () {
    var $form = $(this);
    // Downloads (exports) stay on the page: those forms may be sent again.
    if ($form.is("[data-no-lock]")) { return true; }
    if ($form.data("xf-submitted")) { return false; }
    $form.data("xf-submitted", true);
    setTimeout(function () {
      $form.find("button[type=submit], input[type=submit]").prop("disabled", true);
    }, 0);
    return true;
  });
  // Coming back with the browser's back button must not leave the buttons disabled.
  $(window).on("pageshow", function () {
    $("form").removeData("xf-submitted")
      .find("button[type=submit], input[type=submit]").prop("disabled", false);
  });

  // Unit choices in the case page's step forms.
  $(function () {
    $(".xf-select2").select2({ theme: "bootstrap", width: "100%" });
  });

  // Registration: earlier cases of the same petitioner or the same place and subject appear
  // while the clerk types (the server also checks on save).
  var repeatTimer = null;
  function refreshRepeats() {
    var $box = $("#xf-repeats");
    if (!$box.length) { return; }
    var $form = $box.closest("form");
    var chosen = $form.find("input[name=repeat_of]:checked").val() || "";
    var params = $form.find("input, select").not("[name=csrf_token]").serializeArray();
    params.push({ name: "repeat_of", value: chosen });
    $.get($box.data("url"), $.param(params)).done(function (html) {
      $box.html(html);
    });
  }
  $(document).on("change", "#model_form input[name^=petitioners-], #model_form #township, #model_form #village, #model_form #subject, #model_form #received_at", function () {
    if (!$("#xf-repeats").length) { return; }
    clearTimeout(repeatTimer);
    repeatTimer = setTimeout(refreshRepeats, 300);
  });

  // Reply templates: the server fills the chosen template from the case; the text goes in at the
  // cursor, and the placeholders it could not fill are named under the box (never left silently).
  $(document).on("click", ".xf-insert-template", function () {
    var $aids = $(this).closest(".xf-reply-aids");
    var $target = $($aids.data("target"));
    var $message = $aids.find(".xf-template-message");
    var id = $aids.find(".xf-template-choice").val();
    var url = String($aids.data("url")).replace(/\/fill\/0\//, "/fill/" + encodeURIComponent(id) + "/");
    $.getJSON(url).done(function (data) {
      var box = $target.get(0);
      var current = box.value;
      var at = typeof box.selectionStart === "number" && current ? box.selectionStart : current.length;
      box.value = current.slice(0, at) + data.text + current.slice(at);
      box.focus();
      $message.text(data.message || "");
    }).fail(function (xhr) {
      $message.text(xhr.status === 403 || xhr.status === 404 ? $aids.data("refused") || xhr.statusText : xhr.statusText);
    });
  });
})(jQuery);

// Flask-AppBuilder's action script alerts in English ("No row selected"): say it in the page's
// language (the text comes from the catalog via a data attribute on <body>).
(function () {
  "use strict";
  if (typeof window.ab_alert !== "function") { return; }
  var original = window.ab_alert;
  window.ab_alert = function (text) {
    if (text === "No row selected" && document.body.dataset.msgNoRow) {
      text = document.body.dataset.msgNoRow;
    }
    return original(text);
  };
})();

// The bell's number, refreshed when the user comes back to the tab (a case assigned meanwhile
// shows without reloading the page).
(function () {
  "use strict";
  var bell = document.getElementById("xf-bell");
  if (!bell || !window.fetch) { return; }
  function show(n) {
    var badge = document.getElementById("xf-bell-count");
    if (!n) { if (badge) { badge.remove(); } return; }
    if (!badge) {
      badge = document.createElement("span");
      badge.className = "badge badge-overdue";
      badge.id = "xf-bell-count";
      bell.appendChild(document.createTextNode(" "));
      bell.appendChild(badge);
    }
    badge.textContent = n < 100 ? String(n) : "99+";
  }
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState !== "visible") { return; }
    fetch(bell.dataset.countUrl, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) { show(data.unread); } })
      .catch(function () { /* offline: keep the number shown */ });
  });
})();
