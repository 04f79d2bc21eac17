// BayStore first-party analytics.
//
// Loaded only by consent.js after the visitor accepts analytics. It sends one
// page-view beacon to the same-origin endpoint given in its `data-endpoint`
// attribute, without cookies. It sends nothing when consent was withdrawn in
// the meantime, when a Global Privacy Control or Do Not Track signal is
// present, or when the endpoint points at another origin.
(function () {
  "use strict";

  var CONSENT_EVENT = "baystore:consent";

  // Read while this file is evaluated; `document.currentScript` is null later.
  var ownScript = document.currentScript || document.querySelector("script[data-endpoint]");
  if (!ownScript) {
    return;
  }

  var endpoint = ownScript.getAttribute("data-endpoint") || "";
  var withdrawn = false;

  document.addEventListener(CONSENT_EVENT, function (event) {
    if (!event.detail || event.detail.choice !== "accept") {
      withdrawn = true;
    }
  });

  function consentStillGiven() {
    if (withdrawn || ownScript.getAttribute("data-consent") !== "accept") {
      return false;
    }
    var nav = window.navigator || {};
    return !(
      nav.globalPrivacyControl === true ||
      nav.doNotTrack === "1" ||
      window.doNotTrack === "1"
    );
  }

  function endpointIsSameOrigin() {
    if (!endpoint) {
      return false;
    }
    try {
      return new URL(endpoint, window.location.href).origin === window.location.origin;
    } catch (error) {
      return false;
    }
  }

  function sendPageView() {
    if (!consentStillGiven() || !endpointIsSameOrigin() || typeof window.fetch !== "function") {
      return;
    }
    window
      .fetch(endpoint, {
        method: "POST",
        credentials: "omit",
        keepalive: true,
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          name: "pageview",
          url: location.href,
          domain: location.hostname,
          referrer: document.referrer || null
        })
      })
      .catch(function () {
        // Analytics is best effort; a lost beacon must never disturb the page.
      });
  }

  sendPageView();
})();
