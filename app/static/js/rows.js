/* Editable sub-form rows (e.g. the parties of a ledger entry): table.xf-rows[data-prefix].
   "Add" clones the last row with the next index; "remove" drops a row (or clears the last one). */
(function ($) {
  "use strict";
  if (window.xfRowsReady) { return; }
  window.xfRowsReady = true;

  function renumber($row, prefix, index) {
    var pattern = new RegExp("^" + prefix + "-\\d+-");
    $row.find("input, select, textarea").each(function () {
      this.name = this.name.replace(pattern, prefix + "-" + index + "-");
      this.id = this.name;
    });
  }
  $(document).on("click", ".xf-row-add", function () {
    var $table = $($(this).data("target"));
    var prefix = $table.data("prefix");
    var $rows = $table.find("tbody tr.xf-row");
    var $clone = $rows.last().clone();
    $clone.find("input").val("");
    $clone.find(".help-block").remove();
    $clone.find(".has-error").removeClass("has-error");
    var next = 0, pattern = new RegExp("^" + prefix + "-(\\d+)-");
    $rows.find("input").each(function () {
      var m = pattern.exec(this.name);
      if (m) { next = Math.max(next, parseInt(m[1], 10) + 1); }
    });
    renumber($clone, prefix, next);
    $table.find("tbody").append($clone);
    $clone.find("input[type=text]").first().trigger("focus");
  });
  $(document).on("click", ".xf-row-remove", function () {
    var $row = $(this).closest("tr");
    var $rows = $row.closest("tbody").find("tr.xf-row");
    if ($rows.length > 1) { $row.remove(); } else { $row.find("input").val(""); }
  });
})(jQuery);
