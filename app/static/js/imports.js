/* Excel import pages: refuse an oversized file before uploading it; poll a running job. */
(function ($) {
  "use strict";

  $(document).on("submit", "#import-form", function (event) {
    var input = document.getElementById("import-file");
    var max = parseInt($(this).data("max-bytes"), 10);
    if (input && input.files && input.files[0] && max && input.files[0].size > max) {
      event.preventDefault();
      event.stopImmediatePropagation();
      $("#import-error").remove();
      $("<div class='alert alert-danger xf-field-error' id='import-error'></div>")
        .text($(this).data("too-large")).insertBefore(this);
      return false;
    }
    return true;
  });

  var $job = $("#import-job");
  if ($job.length && $job.data("finished") !== true && $job.data("finished") !== "true") {
    var url = $job.data("status-url");
    var poll = function () {
      $.getJSON(url).done(function (state) {
        $("#import-state").text(state.label);
        $("#import-progress").css("width", state.percent + "%").text(state.percent + "%");
        if (state.total) { $("#import-counts").text(state.processed + " / " + state.total); }
        if (state.finished) { window.location.reload(); } else { setTimeout(poll, 1000); }
      }).fail(function () { setTimeout(poll, 3000); });
    };
    setTimeout(poll, 700);
  }
})(jQuery);
