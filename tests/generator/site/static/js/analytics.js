// Fixture analytics: one page-view beacon.
fetch("/a/event", { method: "POST", credentials: "omit", keepalive: true, body: "{}" });
