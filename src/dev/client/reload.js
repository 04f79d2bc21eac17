// Live reload for `baystore-site dev`, added to pages of dev builds only.
// It listens to the dev server's event stream on the same origin (allowed
// by `connect-src 'self'`), reloads the page after a successful rebuild,
// and shows a failed build's errors in an overlay built with DOM methods
// and text nodes only: no markup is ever parsed from the server's data.
(() => {
  "use strict";
  const OVERLAY_ID = "baystore-dev-overlay";
  let shownBuild = null;

  function removeOverlay() {
    const existing = document.getElementById(OVERLAY_ID);
    if (existing) {
      existing.remove();
    }
  }

  function showOverlay(errors) {
    removeOverlay();
    const overlay = document.createElement("section");
    overlay.id = OVERLAY_ID;
    overlay.className = "baystore-dev-overlay";
    overlay.setAttribute("role", "alert");
    const heading = document.createElement("h2");
    heading.textContent = "Build failed: the last good build is still served";
    overlay.append(heading);
    const list = document.createElement("ol");
    for (const error of errors) {
      const item = document.createElement("li");
      const code = document.createElement("pre");
      code.textContent = String(error);
      item.append(code);
      list.append(item);
    }
    overlay.append(list);
    const hint = document.createElement("p");
    hint.textContent = "Fix the file and save: this page reloads when the build passes.";
    overlay.append(hint);
    document.body.append(overlay);
  }

  function onState(event) {
    let state;
    try {
      state = JSON.parse(event.data);
    } catch {
      return;
    }
    if (!state || typeof state.build !== "number" || !Array.isArray(state.errors)) {
      return;
    }
    if (state.errors.length > 0) {
      showOverlay(state.errors);
      return;
    }
    removeOverlay();
    if (shownBuild === null) {
      shownBuild = state.build;
    } else if (state.build !== shownBuild) {
      window.location.reload();
    }
  }

  // The dev server names the build each response came from in its
  // Server-Timing header; a page loaded just before a rebuild is then
  // reloaded as soon as the stream says a newer one is served.
  const [navigation] = performance.getEntriesByType("navigation");
  const timing = navigation && Array.isArray(navigation.serverTiming)
    ? navigation.serverTiming.find((metric) => metric.name === "baystore-build")
    : undefined;
  if (timing && /^[0-9]+$/.test(timing.description)) {
    shownBuild = Number(timing.description);
  }
  const events = new EventSource("/__baystore/events");
  events.addEventListener("state", onState);
})();
