// The keys page's copy buttons: each copies its key's text to the clipboard and says so. Loaded from
// the service itself (the page's policy allows script from 'self' only); no inline handler.
"use strict";
(function () {
  function say(button, text) {
    var status = document.getElementById(button.getAttribute("data-status"));
    if (status) {
      status.textContent = text;
    }
  }

  function selectKey(key) {
    var range = document.createRange();
    range.selectNodeContents(key);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  function copy(button) {
    var key = document.getElementById(button.getAttribute("data-copy"));
    if (!key) {
      return;
    }
    var text = key.textContent.trim();
    if (!navigator.clipboard || !navigator.clipboard.writeText) {
      selectKey(key);
      say(button, "Selected: copy it with Ctrl+C (or \u2318+C).");
      return;
    }
    navigator.clipboard.writeText(text).then(
      function () {
        button.textContent = "Copied";
        say(button, "Key copied to the clipboard.");
      },
      function () {
        selectKey(key);
        say(button, "Could not copy: the key is selected, copy it with Ctrl+C (or \u2318+C).");
      }
    );
  }

  var buttons = document.querySelectorAll("button[data-copy]");
  for (var i = 0; i < buttons.length; i++) {
    buttons[i].hidden = false;
    buttons[i].addEventListener("click", function (event) {
      copy(event.currentTarget);
    });
  }

  // The keys are shown once per press of the reveal button: a page kept in the back-forward cache
  // drops them when left, and one restored from it asks the server again (which shows no key).
  window.addEventListener("pagehide", function (event) {
    if (event.persisted) {
      var keys = document.querySelectorAll(".key, .key-image");
      for (var j = 0; j < keys.length; j++) {
        keys[j].textContent = "";
        keys[j].removeAttribute("src");
      }
    }
  });
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {
      window.location.reload();
    }
  });
})();
