/* Exports with progress. An export form (data-export="csv|xlsx") is sent with fetch; while the
 * file streams in, a status next to the button counts what has arrived (rows of a CSV, megabytes
 * of an .xlsx); at the end the browser saves it under the server's Chinese file name. Browsers
 * without streaming fetch simply submit the form (the download works the same, without the count).
 * Messages come from the page (<body data-msg-export-*>), in the user's language. */
(function () {
  "use strict";
  if (!window.fetch || !window.ReadableStream || !window.TextDecoder || !window.URL || !URL.createObjectURL) { return; }

  function message(name, values) {
    var text = document.body.getAttribute("data-msg-export-" + name) || "";
    Object.keys(values || {}).forEach(function (key) { text = text.replace("{" + key + "}", values[key]); });
    return text;
  }

  function filenameOf(disposition, fallback) {
    var utf8 = /filename\*=UTF-8''([^;]+)/i.exec(disposition || "");
    if (utf8) { try { return decodeURIComponent(utf8[1]); } catch (e) { /* fall through */ } }
    var plain = /filename="?([^";]+)"?/i.exec(disposition || "");
    return plain ? plain[1] : fallback;
  }

  function statusFor(form) {
    var status = form.parentNode.querySelector(".xf-export-progress[data-for='" + form.getAttribute("data-export") + "']");
    if (!status) {
      status = document.createElement("span");
      status.className = "xf-export-progress";
      status.setAttribute("role", "status");
      status.setAttribute("data-for", form.getAttribute("data-export"));
      form.parentNode.appendChild(status);
    }
    status.classList.remove("text-danger");
    return status;
  }

  function save(blob, name) {
    var url = URL.createObjectURL(blob);
    var link = document.createElement("a");
    link.href = url;
    link.download = name;
    link.style.display = "none";
    document.body.appendChild(link);
    link.click();
    setTimeout(function () { URL.revokeObjectURL(url); link.remove(); }, 10000);
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-export]")) { return; }
    event.preventDefault();
    var format = form.getAttribute("data-export");
    var button = form.querySelector("button[type=submit]");
    if (button.disabled) { return; }
    button.disabled = true;
    var status = statusFor(form);
    status.textContent = message("start");
    var started = Date.now();
    var rows = 0;
    var bytes = 0;
    var chunks = [];
    var name = "";
    fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok || !response.body) { throw new Error(String(response.status)); }
        name = filenameOf(response.headers.get("Content-Disposition"), "export." + format);
        var reader = response.body.getReader();
        function pump() {
          return reader.read().then(function (step) {
            if (step.done) { return; }
            var chunk = step.value;
            chunks.push(chunk);
            bytes += chunk.length;
            if (format === "csv") {
              for (var i = 0; i < chunk.length; i++) { if (chunk[i] === 10) { rows++; } }
              status.textContent = message("rows", { n: Math.max(0, rows - 1).toLocaleString() });
            } else {
              status.textContent = message("bytes", { mb: (bytes / 1048576).toFixed(1) });
            }
            return pump();
          });
        }
        return pump();
      })
      .then(function () {
        var type = format === "csv" ? "text/csv;charset=utf-8" : "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
        save(new Blob(chunks, { type: type }), name);
        var seconds = ((Date.now() - started) / 1000).toFixed(1);
        status.textContent = format === "csv"
          ? message("done-rows", { n: Math.max(0, rows - 1).toLocaleString(), s: seconds })
          : message("done", { s: seconds });
        status.setAttribute("data-done", "1");
      })
      .catch(function (error) {
        status.classList.add("text-danger");
        status.textContent = message("failed", { code: error && error.message ? error.message : "" });
      })
      .then(function () { button.disabled = false; });
  }, true);
})();
