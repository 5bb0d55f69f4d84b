/* The home page's dashboard: figure cards and four charts drawn with the vendored Chart.js
 * (app/static/vendor/chartjs, no CDN: offices run on closed networks). The numbers come from
 * the dashboard's JSON endpoint (no inline script under the page's CSP). */
(function () {
  "use strict";
  var box = document.getElementById("xf-dashboard");
  if (!box || typeof window.Chart === "undefined") { return; }
  var palette = ["#1d4e89", "#2e86c1", "#48c9b0", "#f5b041", "#e74c3c", "#8e44ad", "#7f8c8d", "#27ae60", "#d35400", "#34495e"];

  function card(item) {
    var col = document.createElement("div");
    col.className = "col-sm-3 col-md-3";
    var inner = document.createElement("div");
    inner.className = "xf-card xf-figure-card";
    inner.setAttribute("data-code", item.code);
    inner.title = item.definition;
    var value = document.createElement("div");
    value.className = "xf-card-value";
    value.textContent = item.text;
    var label = document.createElement("div");
    label.className = "xf-card-label";
    label.textContent = item.label;
    var detail = document.createElement("div");
    detail.className = "xf-card-detail";
    detail.textContent = item.detail;
    inner.appendChild(value);
    inner.appendChild(label);
    inner.appendChild(detail);
    col.appendChild(inner);
    return col;
  }

  function draw(name, spec, type) {
    var holder = box.querySelector("[data-chart='" + name + "']");
    if (!holder) { return; }
    holder.querySelector("h4").textContent = spec.title;
    holder.title = spec.definition;
    var canvas = holder.querySelector("canvas");
    var round = type === "doughnut" || type === "pie";
    new window.Chart(canvas, {
      type: type,
      data: {
        labels: spec.labels,
        datasets: [{
          label: spec.title,
          data: spec.data,
          backgroundColor: round ? palette.slice(0, spec.data.length) : "rgba(29, 78, 137, 0.75)",
          borderColor: round ? "#fff" : "#1d4e89",
          fill: false,
          tension: 0.25
        }]
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: { duration: 250 },
        plugins: { legend: { display: round, position: "right" } },
        scales: round ? {} : { y: { beginAtZero: true, ticks: { precision: 0 } } }
      }
    });
    holder.setAttribute("data-drawn", "1");
  }

  fetch(box.getAttribute("data-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (response) { if (!response.ok) { throw new Error(response.status); } return response.json(); })
    .then(function (data) {
      var cards = box.querySelector("#xf-figure-cards");
      data.cards.forEach(function (item) { cards.appendChild(card(item)); });
      draw("monthly", data.charts.monthly, "line");
      draw("category", data.charts.category, "doughnut");
      draw("township", data.charts.township, "bar");
      draw("satisfaction", data.charts.satisfaction, "doughnut");
      if (data.rates_url) {
        var link = box.querySelector("#xf-rates-link");
        if (link) { link.href = data.rates_url; link.style.display = ""; }
      }
      box.setAttribute("data-ready", "1");
    })
    .catch(function () {
      box.querySelector("#xf-dashboard-error").style.display = "";
    });
})();
