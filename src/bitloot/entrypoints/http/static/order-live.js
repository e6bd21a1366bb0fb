// The order page (and /paid) follow the order live, in place. The order's region (#order) names the
// state it shows and where its Server-Sent Events come from. When the stream reports another state,
// the script fetches the page again from its own address and puts the region of that render in place
// of the old one: the server's own autoescaped HTML, parsed by DOMParser (nothing in it runs) and
// imported node by node, never a string of ours. The new state is said in the page's live region
// (#order-announce), which stays while the region around the state changes. The stream stays open
// while the order can still move, and is closed once the region the server drew is no longer live.
// Without EventSource, or once the stream is refused for good (410, 429), it looks again every 10
// seconds; where fetch or DOMParser are missing, or the link is gone, it reloads the page instead, as
// the page's <noscript> refresh does without script.
(function () {
  "use strict";
  var REGION = "order";
  var AGAIN_MS = 10000;
  var LAG_MS = 1500;
  var region = document.getElementById(REGION);
  if (!region || !region.hasAttribute("data-order-events")) {
    return;
  }
  var announcer = document.getElementById("order-announce");
  var shown = region.getAttribute("data-order-state");
  var reported = shown;
  var source = null;
  var busy = false;
  var waiting = null;

  var reload = function () {
    window.location.reload();
  };
  var canFetch = Boolean(window.fetch && window.DOMParser);
  var live = function () {
    return region.hasAttribute("data-order-events");
  };

  var later = function (delay) {
    if (waiting === null) {
      waiting = window.setTimeout(function () {
        waiting = null;
        refresh();
      }, delay);
    }
  };

  // The region of the fetched page in place of ours; false if the page has none.
  var replace = function (html) {
    var fresh = new window.DOMParser().parseFromString(html, "text/html").getElementById(REGION);
    if (!fresh) {
      return false;
    }
    var focused = region.contains(document.activeElement);
    var imported = document.importNode(fresh, true);
    region.parentNode.replaceChild(imported, region);
    region = imported;
    var before = shown;
    shown = region.getAttribute("data-order-state");
    if (focused) {
      // What had the focus is gone: the region takes it, so the keyboard stays where it was.
      region.setAttribute("tabindex", "-1");
      region.focus();
    }
    var state = document.getElementById("order-state");
    if (announcer && state && shown !== before) {
      announcer.textContent = state.textContent;
    }
    return true;
  };

  var settle = function () {
    if (!live()) {
      if (source) {
        source.close();
        source = null;
      }
      return;
    }
    if (!source) {
      later(AGAIN_MS);
    } else if (reported !== shown) {
      // The page read an older state than the stream reported: look again shortly.
      later(LAG_MS);
    }
  };

  var refresh = function () {
    if (!canFetch) {
      reload();
      return;
    }
    if (busy) {
      return;
    }
    if (waiting !== null) {
      window.clearTimeout(waiting);
      waiting = null;
    }
    busy = true;
    window
      .fetch(window.location.href, {
        credentials: "same-origin",
        cache: "no-store",
        headers: { Accept: "text/html" },
      })
      .then(function (response) {
        if (response.status === 410) {
          // The link is gone: the server's page says what to do next.
          reload();
          return null;
        }
        return response.text().then(function (html) {
          return replace(html);
        });
      })
      .catch(function () {
        return false;
      })
      .then(function (replaced) {
        busy = false;
        if (replaced === null) {
          return;
        }
        if (!replaced) {
          // Over a limit, or a page without the order: keep what is shown and look again later.
          later(AGAIN_MS);
          return;
        }
        settle();
      });
  };

  if (!window.EventSource) {
    later(AGAIN_MS);
    return;
  }
  source = new EventSource(region.getAttribute("data-order-events"));
  source.addEventListener("state", function (event) {
    reported = event.data;
    if (reported !== shown) {
      refresh();
    }
  });
  source.addEventListener("error", function () {
    // A dropped stream reconnects by itself; a refused one (410, 429) is closed for good.
    if (source && source.readyState === EventSource.CLOSED) {
      source = null;
      later(AGAIN_MS);
    }
  });
})();
