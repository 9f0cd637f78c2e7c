/* Fit wide display formulas to the text column.
 *
 * MathJax 3 does not break long formulas over lines.  After it has typeset the page, any
 * display formula wider than its column is scaled down just enough to fit, but never below
 * MIN_SCALE of its size (smaller would be hard to read); a formula still too wide after that
 * scrolls sideways (see lucid.css).  This is MathJax 4's displayOverflow: "scale", by hand.
 */
(function () {
  "use strict";
  var MIN_SCALE = 0.8;

  function fit() {
    var boxes = document.querySelectorAll('mjx-container[display="true"]');
    for (var i = 0; i < boxes.length; i++) {
      var box = boxes[i];
      box.style.fontSize = "";                       // measure at full size
      var avail = box.clientWidth, need = box.scrollWidth;
      if (need > avail + 1) {
        var scale = Math.max(MIN_SCALE, (avail - 2) / need);
        box.style.fontSize = (100 * scale).toFixed(1) + "%";
      }
    }
  }

  function whenTypeset() {
    if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
      MathJax.startup.promise.then(fit);
    }
  }

  window.addEventListener("load", whenTypeset);
  var timer = null;
  window.addEventListener("resize", function () {
    clearTimeout(timer);
    timer = setTimeout(fit, 150);
  });
})();
