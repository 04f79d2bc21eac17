// BayStore consent loader.
//
// Analytics is off until the visitor says yes. This script shows the
// "Privacy choices" banner only when there is no stored answer for the
// current consent revision and the browser sends no Global Privacy Control
// or Do Not Track signal. It injects the first-party analytics script named
// in its own `data-analytics-src` only after an explicit Accept, and tells an
// already loaded analytics script when consent is withdrawn.
//
// The markup it drives is rendered by the site templates: without this
// script the banner stays `hidden` and nothing is loaded.
(function () {
  "use strict";

  var STORAGE_KEY = "baystore-consent";
  var CONSENT_EVENT = "baystore:consent";

  // `document.currentScript` is only set while this file is being evaluated,
  // so it has to be read here at the top level, not in a later callback.
  var loader =
    document.currentScript || document.querySelector("script[data-analytics-src]");
  if (!loader) {
    return;
  }

  var analyticsSrc = loader.getAttribute("data-analytics-src") || "";
  var analyticsIntegrity = loader.getAttribute("data-analytics-integrity") || "";
  var analyticsEndpoint = loader.getAttribute("data-analytics-endpoint") || "";
  var revision = parseRevision(loader.getAttribute("data-consent-revision"));
  var analyticsScript = null;

  function parseRevision(value) {
    var parsed = parseInt(value || "", 10);
    return isFinite(parsed) ? parsed : 0;
  }

  // A browser-level privacy signal is a standing "no" that the banner must
  // not ask to override.
  function privacySignalPresent() {
    var nav = window.navigator || {};
    return (
      nav.globalPrivacyControl === true ||
      nav.doNotTrack === "1" ||
      window.doNotTrack === "1"
    );
  }

  // Storage can be missing or throw (private modes, disabled storage,
  // sandboxed frames); every failure reads as "no choice yet".
  function readChoice() {
    var raw = null;
    try {
      raw = window.localStorage.getItem(STORAGE_KEY);
    } catch (error) {
      return null;
    }
    if (typeof raw !== "string") {
      return null;
    }
    var parsed = null;
    try {
      parsed = JSON.parse(raw);
    } catch (error) {
      return null;
    }
    if (
      !parsed ||
      (parsed.choice !== "accept" && parsed.choice !== "reject") ||
      parsed.revision !== revision
    ) {
      return null;
    }
    return parsed.choice;
  }

  function storeChoice(choice) {
    try {
      window.localStorage.setItem(
        STORAGE_KEY,
        JSON.stringify({ choice: choice, revision: revision })
      );
    } catch (error) {
      // Without storage the choice holds for this page only; the banner will
      // ask again on the next page, which is the safe direction.
    }
  }

  function isSameOriginPath(url) {
    try {
      return new URL(url, window.location.href).origin === window.location.origin;
    } catch (error) {
      return false;
    }
  }

  function loadAnalytics() {
    if (analyticsScript || privacySignalPresent()) {
      return;
    }
    if (!analyticsSrc || !isSameOriginPath(analyticsSrc)) {
      return;
    }
    analyticsScript = document.createElement("script");
    analyticsScript.src = analyticsSrc;
    if (analyticsIntegrity) {
      analyticsScript.integrity = analyticsIntegrity;
    }
    analyticsScript.async = true;
    analyticsScript.setAttribute("data-endpoint", analyticsEndpoint);
    analyticsScript.setAttribute("data-consent", "accept");
    document.head.appendChild(analyticsScript);
  }

  function announceChoice(choice) {
    if (analyticsScript) {
      analyticsScript.setAttribute("data-consent", choice);
    }
    var event;
    try {
      event = new CustomEvent(CONSENT_EVENT, { detail: { choice: choice } });
    } catch (error) {
      return;
    }
    document.dispatchEvent(event);
  }

  function init() {
    var banner = document.getElementById("consent-banner");
    var openButton = document.querySelector("[data-consent-open]");
    var acceptButton = banner && banner.querySelector('[data-consent="accept"]');
    var rejectButton = banner && banner.querySelector('[data-consent="reject"]');
    var status = banner && banner.querySelector("[data-consent-status]");
    var returnFocusTo = null;

    function showStatus(text) {
      if (!status) {
        return;
      }
      status.textContent = text;
      status.hidden = !text;
    }

    function openBanner(moveFocus) {
      if (!banner) {
        return;
      }
      if (privacySignalPresent()) {
        showStatus(
          "Your browser sends a Global Privacy Control or Do Not Track signal, so analytics stays off on this site."
        );
      } else {
        var current = readChoice() || (analyticsScript ? "accept" : null);
        if (current === "accept") {
          showStatus("Analytics is currently on. Choose Reject to turn it off.");
        } else if (current === "reject") {
          showStatus("Analytics is currently off.");
        } else {
          showStatus("");
        }
      }
      banner.hidden = false;
      if (moveFocus) {
        banner.focus();
      }
    }

    function closeBanner() {
      if (!banner) {
        return;
      }
      banner.hidden = true;
      // The button that had focus just disappeared; hand focus to something
      // sensible without jumping the page.
      var target = returnFocusTo || openButton;
      returnFocusTo = null;
      if (target && !target.hidden) {
        target.focus({ preventScroll: true });
      }
    }

    function choose(choice) {
      storeChoice(choice);
      if (choice === "accept") {
        loadAnalytics();
      }
      announceChoice(choice);
      closeBanner();
    }

    if (acceptButton) {
      acceptButton.addEventListener("click", function () {
        choose("accept");
      });
    }
    if (rejectButton) {
      rejectButton.addEventListener("click", function () {
        choose("reject");
      });
    }
    if (banner) {
      banner.addEventListener("keydown", function (event) {
        if (event.key === "Escape" && returnFocusTo) {
          closeBanner();
        }
      });
    }
    if (openButton) {
      openButton.hidden = false;
      openButton.addEventListener("click", function () {
        returnFocusTo = openButton;
        openBanner(true);
      });
    }

    if (privacySignalPresent()) {
      return;
    }
    var stored = readChoice();
    if (stored === "accept") {
      loadAnalytics();
    } else if (stored === null) {
      openBanner(false);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
