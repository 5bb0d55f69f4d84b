/* 网上信访: small enhancements. Every page works without this file. */
(function () {
  "use strict";

  function each(selector, fn, root) {
    Array.prototype.forEach.call((root || document).querySelectorAll(selector), fn);
  }

  // The mailbox choice: the department list only for 部门信箱; the village is required for 村信箱.
  function syncMailbox(form) {
    var checked = form.querySelector("input[name=mailbox]:checked");
    var mailbox = checked ? checked.value : "";
    each("[data-show-for]", function (el) {
      el.hidden = el.getAttribute("data-show-for").split(" ").indexOf(mailbox) < 0;
    }, form);
    var villageMark = form.querySelector("[data-village-required]");
    if (villageMark) { villageMark.hidden = mailbox !== "village"; }
  }

  // Villages of the chosen township only.
  function syncVillages(form) {
    var township = form.querySelector("select[name=township]");
    var village = form.querySelector("select[name=village]");
    if (!township || !village) { return; }
    each("optgroup", function (group) {
      var mine = group.getAttribute("data-township") === township.value;
      group.hidden = !mine;
      group.disabled = !mine;
    }, village);
    var selected = village.options[village.selectedIndex];
    if (selected && selected.parentNode.tagName === "OPTGROUP" && selected.parentNode.disabled) {
      village.value = "";
    }
  }

  function counter(field) {
    var out = document.getElementById(field.getAttribute("data-counter"));
    var max = parseInt(field.getAttribute("data-max"), 10);
    if (!out || !max) { return; }
    var update = function () {
      out.textContent = field.value.length + " / " + max;
      out.style.color = field.value.length > max ? "#b3261e" : "";
    };
    field.addEventListener("input", update);
    update();
  }

  document.addEventListener("DOMContentLoaded", function () {
    each("form[data-petition]", function (form) {
      each("input[name=mailbox]", function (radio) {
        radio.addEventListener("change", function () { syncMailbox(form); });
      }, form);
      var township = form.querySelector("select[name=township]");
      if (township) { township.addEventListener("change", function () { syncVillages(form); }); }
      syncMailbox(form);
      syncVillages(form);
    });

    each("[data-counter]", counter);

    // The chosen files by name (the browser's own file box is hidden: it speaks its own language).
    each(".pt-file input[type=file]", function (input) {
      var out = document.getElementById("attachment-names");
      var show = function () {
        var names = Array.prototype.map.call(input.files || [], function (f) { return f.name; });
        out.textContent = names.length ? names.join("、") : out.getAttribute("data-none");
      };
      input.addEventListener("change", show);
      show();
    });

    // One tap sends once: the button is disabled while the form is on its way.
    each("form[data-once]", function (form) {
      form.addEventListener("submit", function () {
        each("button[type=submit]", function (button) {
          button.disabled = true;
          if (button.getAttribute("data-sending")) { button.textContent = button.getAttribute("data-sending"); }
        }, form);
      });
    });

    each("[data-print]", function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });

    // 不满意: say that a reason is needed.
    each("form[data-rating]", function (form) {
      var hint = form.querySelector("[data-unsatisfied-hint]");
      var sync = function () {
        var checked = form.querySelector("input[name=satisfaction]:checked");
        if (hint) { hint.hidden = !(checked && checked.value === "unsatisfied"); }
      };
      each("input[name=satisfaction]", function (radio) { radio.addEventListener("change", sync); }, form);
      sync();
    });
  });
}());
