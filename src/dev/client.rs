//! The live reload client of dev builds: a script and a stylesheet the
//! build publishes as fingerprinted assets, and the tags that load them,
//! added to each page before its references are rewritten (so they get
//! their fingerprinted URLs and SRI like any other asset). No other build
//! calls this module, so a production bundle never contains the client.

use crate::assets::AssetMap;

/// Site path of the client script.
pub const SCRIPT_PATH: &str = "/__baystore/reload.js";
/// The `Server-Timing` metric whose description is the number of the
/// build a response came from; the client reads it from the navigation
/// timing of its page.
pub const BUILD_TIMING: &str = "baystore-build";

/// Site path of the overlay stylesheet.
pub const STYLESHEET_PATH: &str = "/__baystore/reload.css";

const SCRIPT: &str = include_str!("client/reload.js");
const STYLESHEET: &str = include_str!("client/reload.css");

/// Publishes the client's files in a dev build.
pub fn add_assets(assets: &mut AssetMap) {
    assets.add_file(SCRIPT_PATH, SCRIPT.as_bytes());
    assets.add_file(STYLESHEET_PATH, STYLESHEET.as_bytes());
}

/// Adds the tags that load the client at the end of the page's `<head>`.
/// A page without a closing `</head>` tag is left as it is and does not
/// reload. Which build a page belongs to is not in the page: the dev
/// server says it in the `Server-Timing` header of each response
/// ([`BUILD_TIMING`]), so a page that did not change is reused as it is.
pub fn inject(html: &str) -> String {
    let Some(at) = find_head_end(html) else {
        return html.to_string();
    };
    let tags = format!(
        "<link rel=\"stylesheet\" href=\"{STYLESHEET_PATH}\">\
         <script src=\"{SCRIPT_PATH}\" defer></script>"
    );
    [&html[..at], &tags, &html[at..]].concat()
}

/// Offset of the first `</head` (any case) in the page.
fn find_head_end(html: &str) -> Option<usize> {
    html.as_bytes()
        .windows(6)
        .position(|window| window.eq_ignore_ascii_case(b"</head"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_go_before_the_end_of_head() {
        let page = "<!doctype html><html><head><title>T</title></HEAD><body></body></html>";
        let injected = inject(page);
        assert!(injected.starts_with(
            "<!doctype html><html><head><title>T</title><link rel=\"stylesheet\" href=\"/__baystore/reload.css\">"
        ));
        assert!(injected.ends_with(
            "<script src=\"/__baystore/reload.js\" defer></script></HEAD><body></body></html>"
        ));
        assert_eq!(inject("<p>no head</p>"), "<p>no head</p>");
    }

    #[test]
    fn the_client_builds_its_overlay_without_parsing_markup() {
        for sink in [
            "innerHTML",
            "outerHTML",
            "insertAdjacentHTML",
            "document.write",
            "eval(",
        ] {
            assert!(!SCRIPT.contains(sink), "{sink}");
        }
        assert!(SCRIPT.contains("textContent"));
    }
}
