//! `inline`: code and styles written into the HTML instead of loaded from
//! self-hosted files. A strict CSP blocks them, so they either break the
//! page or force the CSP open; handlers and `javascript:` URLs are never
//! acceptable, inline blocks only when the CSP names their hash.

use crate::rule::{Category, Rule};
use std::collections::HashMap;

use crate::csp::Policy;
use crate::emit::{FileFindings, Message};
use crate::html::{Element, RawBody};
use crate::markup::{self, Execution};
use crate::rules::{admin, script, sink};
use crate::scan::PageContext;
use crate::site::HashAlgorithm;
use crate::url_norm::Target;

const HANDLER_HELP: &str =
    "Move the handler into a self-hosted script and attach it with addEventListener.";
const JS_URL_HELP: &str =
    "Use a real URL, or a button with a handler attached from a self-hosted script.";
const SCRIPT_HELP: &str = "Move the code into a self-hosted .js file, or add its sha256/384/512 hash to script-src in the CSP.";
const STYLE_HELP: &str =
    "Move the rules into a self-hosted stylesheet, or add their hash to style-src in the CSP.";
const UNPARSED_HELP: &str = "Write conforming markup (no raw-text element inside <select>, no \
    <frameset>, documents nested a few levels at most, a sensible number of elements); what the \
    validator cannot read could hide script.";
const STYLE_ATTR_HELP: &str =
    "Replace the style attribute with a class defined in a self-hosted stylesheet.";

/// The JavaScript MIME types of the HTML standard: a `<script>` whose
/// `type` is one of them (compared as an essence match: trimmed,
/// ASCII-lowercased, no parameters) is a classic script.
const JAVASCRIPT_MIME_TYPES: &[&str] = &[
    "application/ecmascript",
    "application/javascript",
    "application/x-ecmascript",
    "application/x-javascript",
    "text/ecmascript",
    "text/javascript",
    "text/javascript1.0",
    "text/javascript1.1",
    "text/javascript1.2",
    "text/javascript1.3",
    "text/javascript1.4",
    "text/javascript1.5",
    "text/jscript",
    "text/livescript",
    "text/x-ecmascript",
    "text/x-javascript",
];

/// What a `<script>` element is, by its `type` (and the legacy
/// `language`), following the HTML standard's "prepare the script
/// element" steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ScriptType {
    Classic,
    Module,
    ImportMap,
    SpeculationRules,
    /// A data block (`text/plain`, `application/ld+json`, a template
    /// language …): the browser neither fetches its `src` nor runs its text.
    Data,
}

impl ScriptType {
    /// The type of a `<script>` element.
    pub(crate) fn of(element: &Element<'_>) -> ScriptType {
        let type_string = match (element.value("type"), element.value("language")) {
            (Some(value), _) => value.to_owned(),
            (None, Some(language)) if !language.is_empty() => format!("text/{language}"),
            (None, _) => String::new(),
        };
        // The standard strips only leading and trailing ASCII whitespace
        // before the comparison.
        let essence = type_string
            .trim_matches(|c: char| c.is_ascii_whitespace())
            .to_ascii_lowercase();
        match essence.as_str() {
            "" => ScriptType::Classic,
            "module" => ScriptType::Module,
            "importmap" => ScriptType::ImportMap,
            "speculationrules" => ScriptType::SpeculationRules,
            other if JAVASCRIPT_MIME_TYPES.contains(&other) => ScriptType::Classic,
            _ => ScriptType::Data,
        }
    }

    /// Whether the browser fetches the script's `src`: classic scripts and
    /// modules only (import maps and speculation rules are inline only).
    pub(crate) fn fetches_src(self) -> bool {
        matches!(self, ScriptType::Classic | ScriptType::Module)
    }
}

/// The URLs an import map sends module specifiers to (the values of
/// `imports` and of every scope in `scopes`), with their offsets in the
/// map: `import "chart"` loads whatever the map names, so those URLs pass
/// the same origin check as a literal `import`.
fn import_map_urls(text: &str) -> Vec<sink::LiteralUrl> {
    let Ok(map) = serde_json::from_str::<serde_json::Value>(text) else {
        return Vec::new();
    };
    let strings = json_string_offsets(text);
    let scoped = map
        .get("scopes")
        .and_then(serde_json::Value::as_object)
        .into_iter()
        .flat_map(|scopes| scopes.values().filter_map(serde_json::Value::as_object));
    map.get("imports")
        .and_then(serde_json::Value::as_object)
        .into_iter()
        .chain(scoped)
        .flat_map(|specifiers| specifiers.values().filter_map(serde_json::Value::as_str))
        .map(|url| {
            let start = strings.get(url).copied().unwrap_or(0);
            sink::LiteralUrl {
                url: url.to_owned(),
                start,
                end: start + url.len(),
            }
        })
        .collect()
}

/// Where each string of a JSON text first appears (the offset of its
/// first character), by its text as written. One pass, so that a map of
/// many entries is located in linear time; a string written with escapes
/// is not found, and its URL points at the map's start.
fn json_string_offsets(text: &str) -> HashMap<&str, usize> {
    let bytes = text.as_bytes();
    let mut found = HashMap::new();
    let mut at = 0;
    while let Some(open) = memchr::memchr(b'"', &bytes[at..]).map(|i| at + i) {
        let start = open + 1;
        let mut end = start;
        while end < bytes.len() && bytes[end] != b'"' {
            end += if bytes[end] == b'\\' { 2 } else { 1 };
        }
        let end = end.min(bytes.len());
        if let Some(string) = text.get(start..end) {
            found.entry(string).or_insert(start);
        }
        at = end + 1;
        if at >= bytes.len() {
            break;
        }
    }
    found
}

pub(crate) fn check_page(ctx: &PageContext<'_>, out: &mut FileFindings<'_>) {
    out.examine(&CATEGORY);
    for unjudged in &ctx.page.unjudged {
        out.at(
            unjudged.offset,
            Message::error(
                "inline/unparsed-html",
                unjudged.reason.describe(),
                UNPARSED_HELP,
            ),
        );
    }
    for element in &ctx.page.elements {
        for execution in markup::executions(&element.name, &element.attrs) {
            report_execution(element, &execution, out);
        }
        for attr in &element.attrs {
            if attr.name == "style" && !ctx.svg {
                let allowed = hash_allowed(&ctx.policies, "style-src-attr", &attr.value, true);
                if !allowed {
                    out.at_span(
                        attr.name_span(),
                        Message::error(
                            "inline/style-attribute",
                            format!("style attribute on <{}>", element.name),
                            STYLE_ATTR_HELP,
                        ),
                    );
                }
            }
        }
    }
    for url in &ctx.urls {
        // Animated links are judged with the animation, above.
        if url.target == Target::JavaScript && !url.animated {
            out.at(
                url.offset,
                Message::error(
                    "inline/javascript-url",
                    format!(
                        "`javascript:` URL in `{}` of <{}>",
                        url.attr.name, url.element.name
                    ),
                    JS_URL_HELP,
                ),
            );
        }
    }
    for body in &ctx.page.scripts {
        let element = &ctx.page.elements[body.element];
        if !markup::script_runs_body(element.namespace, &element.attrs)
            || body.text.trim().is_empty()
        {
            continue;
        }
        let script_type = ScriptType::of(element);
        if script_type == ScriptType::Data {
            continue;
        }
        if !hash_allowed(&ctx.policies, "script-src-elem", &body.text, false) {
            out.at(
                element.start,
                Message::error(
                    "inline/script",
                    "inline <script> whose hash is not in the page's CSP",
                    SCRIPT_HELP,
                ),
            );
        }
        let kind = match script_type {
            ScriptType::Module => sink::JsKind::Module,
            ScriptType::ImportMap => {
                let urls = import_map_urls(&body.text);
                let urls = relocate(body, urls);
                script::check_js_loads(ctx.site, &ctx.url_path, &urls, 0, out);
                continue;
            }
            ScriptType::SpeculationRules => continue,
            ScriptType::Classic | ScriptType::Data => sink::JsKind::Script,
        };
        let analysis = sink::analyze(&body.text, kind);
        out.examine(&sink::CATEGORY);
        for detection in &analysis.detections {
            let mut placed = detection.clone();
            placed.start = body.file_offset(detection.start);
            placed.end = body.file_offset(detection.end);
            out.detection(0, &placed, false);
        }
        for omitted in &analysis.omitted {
            out.omitted(omitted.rule, omitted.severity, omitted.help, omitted.count);
        }
        let loads = relocate(body, analysis.literal_urls);
        script::check_js_loads(ctx.site, &ctx.url_path, &loads, 0, out);
        if !ctx.is_admin {
            let navigations = relocate(body, analysis.navigations);
            admin::check_script_navigations(ctx.site, &ctx.url_path, &navigations, 0, out);
        }
    }
    for body in &ctx.page.styles {
        if ctx.svg || body.text.trim().is_empty() {
            continue;
        }
        if !hash_allowed(&ctx.policies, "style-src-elem", &body.text, false) {
            out.at(
                ctx.page.elements[body.element].start,
                Message::error(
                    "inline/style-element",
                    "inline <style> whose hash is not in the page's CSP",
                    STYLE_HELP,
                ),
            );
        }
    }
}

/// The URLs found in a script body, with their offsets moved from the
/// body's text to the file.
fn relocate(body: &RawBody<'_>, urls: Vec<sink::LiteralUrl>) -> Vec<sink::LiteralUrl> {
    urls.into_iter()
        .map(|mut url| {
            url.start = body.file_offset(url.start);
            url.end = body.file_offset(url.end);
            url
        })
        .collect()
}

/// Reports one way an element runs script through its attributes.
fn report_execution(element: &Element<'_>, execution: &Execution, out: &mut FileFindings<'_>) {
    match execution {
        Execution::EventHandler { attribute } => {
            let attr = &element.attrs[*attribute];
            out.at_span(
                attr.name_span(),
                Message::error(
                    "inline/event-handler",
                    format!("inline event handler `{}` on <{}>", attr.name, element.name),
                    HANDLER_HELP,
                ),
            );
        }
        Execution::AnimatedEventHandler { attribute, target } => out.at_span(
            element.attrs[*attribute].span(),
            Message::error(
                "inline/event-handler",
                format!(
                    "<{}> animates the event handler attribute `{target}` of its target",
                    element.name
                ),
                HANDLER_HELP,
            ),
        ),
        Execution::AnimatedJavaScriptUrl {
            attribute,
            offset,
            target,
        } => out.at(
            element.attrs[*attribute].offset() + offset,
            Message::error(
                "inline/javascript-url",
                format!(
                    "<{}> animates `{target}` to a `javascript:` URL",
                    element.name
                ),
                JS_URL_HELP,
            ),
        ),
    }
}

/// Whether every enforced policy that governs `directive` allows `body` by
/// hash (and, for attributes, with `'unsafe-hashes'`). Without any such
/// policy nothing is allowed: the promise is no inline code at all.
fn hash_allowed(policies: &[(Policy, u32)], directive: &str, body: &str, attribute: bool) -> bool {
    let governing: Vec<_> = policies
        .iter()
        .filter_map(|(p, _)| p.effective(directive))
        .collect();
    !governing.is_empty()
        && governing.iter().all(|d| {
            (!attribute || d.has("'unsafe-hashes'"))
                && d.hashes().any(|(algorithm, digest)| {
                    HashAlgorithm::parse(&algorithm)
                        .is_some_and(|a| a.digest(body.as_bytes()) == digest)
                })
        })
}

/// The rules of this category, declared once for every output, the
/// documentation check and the fixture harness.
pub const CATEGORY: Category = Category {
    name: "inline",
    title: "no inline code",
    security_severity: 8.0,
    rules: &[
        Rule::error(
            "inline/event-handler",
            "any `on*=` attribute, in any case, and a SMIL animation (`<set>`, `<animate>`, …) whose `attributeName` names one (`attributeName=\"onclick\"`)",
            "inline handlers need `'unsafe-inline'`",
            "attach listeners from a script file",
        ),
        Rule::error(
            "inline/javascript-url",
            "`javascript:` in any URL attribute (`href`, `src`, `action`, `formaction`, `xlink:href` or `href` under any prefix, `data`, `poster`, `srcset`, meta refresh, …) after entity decoding and whitespace/control-character stripping, and a SMIL animation that writes one into a link: `attributeName` `href` or `xlink:href` (any case, prefix or surrounding space) with a `javascript:` value in `to`, `from`, `by` or any entry of `values`",
            "script execution through navigation",
            "use real URLs",
        ),
        Rule::error(
            "inline/script",
            "an inline executable `<script>` (no type, JS types, `module`, `importmap`, `speculationrules`) whose hash is not allowed by every governing CSP policy; data blocks such as `application/ld+json` pass",
            "blocked by a strict CSP, or forces it open",
            "move the code to a file, or add its hash",
        ),
        Rule::error(
            "inline/unparsed-html",
            "markup the HTML parser could not read to the end: a raw-text element (`<script>`, `<style>`, `<textarea>`, …) inside `<select>` or after `<frameset>`, where a streaming parser cannot know how a browser reads what follows; the parser's memory limit; more elements and attributes than the page's size allows (a page model of at most five bytes per byte of the file, plus 1 MiB); `<noscript>` and `<iframe srcdoc>` documents nested more than 8 deep",
            "what was not read may hide script",
            "write conforming, reasonably sized markup",
        )
        .marks_unjudged(),
        Rule::error(
            "inline/style-element",
            "a `<style>` block whose hash is not in `style-src`",
            "a strict CSP blocks inline styles, or has to allow every inline style to let them through",
            "move it to a stylesheet",
        ),
        Rule::error(
            "inline/style-attribute",
            "a `style=` attribute not allowed by hash plus `'unsafe-hashes'`",
            "a strict CSP blocks `style=` attributes, or has to allow every inline style to let them through",
            "use a class",
        ),
    ],
};

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The type of `<script …>` written with these attributes.
    fn script_type(markup: &str) -> ScriptType {
        let page = crate::html::parse(markup);
        let script = page.elements.iter().find(|e| e.name == "script").unwrap();
        ScriptType::of(script)
    }

    #[test]
    fn script_types_follow_the_html_standard() {
        assert_eq!(script_type("<script>"), ScriptType::Classic);
        assert_eq!(script_type("<script type>"), ScriptType::Classic);
        assert_eq!(
            script_type("<script type=\" TEXT/JavaScript \">"),
            ScriptType::Classic
        );
        assert_eq!(
            script_type("<script type=application/x-ecmascript>"),
            ScriptType::Classic
        );
        assert_eq!(
            script_type("<script language=JavaScript1.2>"),
            ScriptType::Classic
        );
        assert_eq!(script_type("<script language=\"\">"), ScriptType::Classic);
        assert_eq!(script_type("<script type=\" Module\">"), ScriptType::Module);
        assert_eq!(
            script_type("<script type=importmap>"),
            ScriptType::ImportMap
        );
        assert_eq!(
            script_type("<script type=SpeculationRules>"),
            ScriptType::SpeculationRules
        );
        for data in [
            "text/plain",
            "application/ld+json",
            "text/x-template",
            "text/javascript; charset=utf-8",
            "javascript",
            "text/babel",
        ] {
            assert_eq!(
                script_type(&format!("<script type=\"{data}\">")),
                ScriptType::Data,
                "{data}"
            );
        }
        assert_eq!(script_type("<script language=vbscript>"), ScriptType::Data);
        // `type` wins over `language`.
        assert_eq!(
            script_type("<script type=text/plain language=javascript>"),
            ScriptType::Data
        );
        assert!(ScriptType::Module.fetches_src());
        assert!(!ScriptType::ImportMap.fetches_src());
        assert!(!ScriptType::Data.fetches_src());
    }

    proptest! {
        #![proptest_config(crate::fuzz::config())]

        /// Any JavaScript MIME type in any ASCII case with surrounding
        /// ASCII whitespace is a classic script, and any parameter makes it
        /// a data block.
        #[test]
        fn fuzz_javascript_mime_types_in_any_case(
            index in 0..JAVASCRIPT_MIME_TYPES.len(),
            upper in prop::collection::vec(any::<bool>(), 32),
            lead in "[ \t\n]{0,3}",
            trail in "[ \t\n]{0,3}",
            parameter in "[a-z=;]{1,8}",
        ) {
            let cased: String = JAVASCRIPT_MIME_TYPES[index]
                .chars()
                .zip(upper.iter().cycle())
                .map(|(c, up)| if *up { c.to_ascii_uppercase() } else { c })
                .collect();
            let markup = format!("<script type=\"{lead}{cased}{trail}\">");
            prop_assert_eq!(script_type(&markup), ScriptType::Classic);
            let markup = format!("<script type=\"{cased};{parameter}\">");
            prop_assert_eq!(script_type(&markup), ScriptType::Data);
        }
    }

    #[test]
    fn import_map_urls_come_from_imports_and_scopes() {
        let map = r#"{"imports": {"a": "https://cdn.example/a.js", "b": "/b.js"},
                      "scopes": {"/x/": {"c": "//evil.example/c.js"}}, "integrity": {"/b.js": "sha384-x"}}"#;
        let urls = import_map_urls(map);
        let names: Vec<&str> = urls.iter().map(|u| u.url.as_str()).collect();
        assert_eq!(
            names,
            ["https://cdn.example/a.js", "/b.js", "//evil.example/c.js"]
        );
        assert!(map[urls[2].start..].starts_with("//evil.example/c.js"));
        assert!(import_map_urls("not json").is_empty());
    }
}
