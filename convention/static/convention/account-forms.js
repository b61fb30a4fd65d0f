// Starts allauth's passkey form handlers from a JSON data block, so that account pages carry no
// inline script (CSP script-src 'self'), and shows passkey controls only in browsers that have
// WebAuthn (Tor Browser does not; every page works without them).
(function () {
  "use strict";

  function show(selector, visible) {
    document.querySelectorAll(selector).forEach(function (element) {
      element.hidden = !visible;
    });
  }

  function start() {
    var supported = typeof window.PublicKeyCredential !== "undefined";
    show("[data-needs-webauthn]", supported);
    show("[data-webauthn-missing]", !supported);
    document.addEventListener("allauth.error", function (event) {
      event.preventDefault();
      show("[data-webauthn-error]", true);
    });
    var block = document.getElementById("allauth-form-config");
    if (!block || !supported || !window.allauth || !window.allauth.webauthn) {
      return;
    }
    var config = JSON.parse(block.textContent);
    var startForm = window.allauth.webauthn.forms[config.form];
    if (typeof startForm === "function") {
      startForm(config);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
