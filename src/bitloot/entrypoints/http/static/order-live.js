// The order page (and /paid) follow the order live: the page names the state it shows and where its
// Server-Sent Events come from; when the state changes the page reloads, and the server draws it.
// Without EventSource, or once the stream is refused for good, it reloads every 10 seconds instead, as
// the page's <noscript> refresh does without script.
(function () {
  "use strict";
  var root = document.querySelector("[data-order-events]");
  if (!root) {
    return;
  }
  var shown = root.getAttribute("data-order-state");
  var reload = function () {
    window.location.reload();
  };
  if (!window.EventSource) {
    window.setTimeout(reload, 10000);
    return;
  }
  var source = new EventSource(root.getAttribute("data-order-events"));
  source.addEventListener("state", function (event) {
    if (event.data !== shown) {
      source.close();
      reload();
    }
  });
  source.addEventListener("error", function () {
    // A dropped stream reconnects by itself; a refused one (410, 429) is closed for good.
    if (source.readyState === EventSource.CLOSED) {
      window.setTimeout(reload, 10000);
    }
  });
})();
