// cartel search loader: on every page, nothing more than this until the reader wants to search.
// The UI (search-ui.js, search.css) and Pagefind load on the search page, or when the header box gets focus.
(function () {
  var started = null;
  function start() {
    if (!started) {
      var css = document.createElement("link");
      css.rel = "stylesheet";
      css.href = "/_cartel/search.css";
      document.head.appendChild(css);
      started = import("/_cartel/search-ui.js").then(function (ui) { return ui.start(); });
    }
    return started;
  }
  var box = document.getElementById("q");
  if (document.getElementById("search-page")) {
    start();
  } else if (box) {
    box.addEventListener("focus", start);
    box.addEventListener("input", start);
    if (document.activeElement === box) start();
  }
})();
