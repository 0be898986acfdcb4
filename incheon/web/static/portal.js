/* Incheon Data Hub portal: small progressive enhancements. Every page works without this file. */
(function () {
  "use strict";

  // Map: a tooltip that follows hover and keyboard focus, and highlights the district's table row.
  function setUpMap(svg) {
    var tip = document.getElementById("map-tip");
    var wrap = svg.parentNode;
    if (!tip || !wrap) return;
    var lit = null;
    function show(path, x, y) {
      tip.textContent = path.getAttribute("aria-label");
      tip.hidden = false;
      var box = wrap.getBoundingClientRect();
      var left = x - box.left + 12;
      var top = y - box.top + 12;
      tip.style.left = Math.min(left, box.width - tip.offsetWidth - 4) + "px";
      tip.style.top = top + "px";
      var row = document.getElementById(path.getAttribute("data-row"));
      if (lit) lit.classList.remove("highlight");
      if (row) { row.classList.add("highlight"); lit = row; }
    }
    function hide() {
      tip.hidden = true;
      if (lit) { lit.classList.remove("highlight"); lit = null; }
    }
    Array.prototype.forEach.call(svg.querySelectorAll(".district"), function (path) {
      path.addEventListener("mousemove", function (e) { show(path, e.clientX, e.clientY); });
      path.addEventListener("mouseleave", hide);
      path.addEventListener("focus", function () {
        var r = path.getBoundingClientRect();
        show(path, r.left + r.width / 2, r.top + r.height / 2);
      });
      path.addEventListener("blur", hide);
      path.addEventListener("keydown", function (e) {
        if (e.key === "Escape") { hide(); }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var svg = document.getElementById("map");
    if (svg) setUpMap(svg);
  });
})();
