//! Which markup makes a browser run script: event handler attributes,
//! SMIL animations that write a handler or a `javascript:` link, and when
//! a `<script>` element runs its own text. This is the one judgement the
//! validator's rules and the site generator's raw-HTML policy share, so
//! the build never accepts markup the gate rejects, and both read it the
//! way browsers do.
//!
//! Inputs are attributes as a browser sees them: names lowercased, values
//! with character references decoded ([`decoded_attribute_value`] turns a
//! raw value into one).

use std::borrow::Cow;
use std::collections::HashMap;

use crate::url_norm;

/// The namespace the HTML parser puts an element in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Namespace {
    #[default]
    Html,
    /// Inside `<svg>`, and every element of a standalone SVG file.
    Svg,
    MathMl,
}

impl Namespace {
    /// The namespace named by a namespace URI, as the parser reports it.
    pub fn from_uri(uri: &str) -> Namespace {
        match uri {
            "http://www.w3.org/2000/svg" => Namespace::Svg,
            "http://www.w3.org/1998/Math/MathML" => Namespace::MathMl,
            _ => Namespace::Html,
        }
    }
}

/// The XHTML namespace: an element in it is an HTML element even inside
/// an XML document.
const XHTML_NAMESPACE: &str = "http://www.w3.org/1999/xhtml";

/// The namespace prefixes an XML document declares, read in document
/// order, to judge a prefixed element (`<svg:script>`,
/// `<x:a xmlns:x="http://www.w3.org/2000/svg">`) by the namespace its
/// prefix stands for rather than by how its name is spelled.
///
/// An XML parser resolves a prefix with the declarations in scope on the
/// element and its ancestors. Without the tree, this keeps every binding
/// of every prefix declared so far, which includes the ones in scope: an
/// element is judged in a namespace that runs script (SVG first, then
/// XHTML) if any of its prefix's bindings is that namespace. It may judge
/// an element outside the scope of a declaration, which a browser would
/// refuse to parse at all; it never misses one in scope.
#[derive(Debug, Default, Clone)]
pub struct XmlNamespaces {
    /// The namespaces each prefix (ASCII-lowercased) has been bound to, by
    /// any declaration seen. A hash map, so that a document of many
    /// thousands of declarations costs linear time.
    bindings: HashMap<String, Bindings>,
}

/// The known namespaces one prefix has been bound to.
#[derive(Debug, Default, Clone, Copy)]
struct Bindings {
    svg: bool,
    html: bool,
    math_ml: bool,
}

/// A namespace an XML declaration binds a prefix to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum XmlNamespace {
    Known(Namespace),
    /// A namespace no browser runs anything in.
    Other,
}

fn xml_namespace(uri: &str) -> XmlNamespace {
    match uri.trim() {
        "http://www.w3.org/2000/svg" => XmlNamespace::Known(Namespace::Svg),
        "http://www.w3.org/1998/Math/MathML" => XmlNamespace::Known(Namespace::MathMl),
        XHTML_NAMESPACE => XmlNamespace::Known(Namespace::Html),
        _ => XmlNamespace::Other,
    }
}

/// An element of an XML document judged by its namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct XmlElement<'n> {
    pub namespace: Namespace,
    /// The local name when the namespace is one a browser knows, else the
    /// qualified name as written (an element no browser gives meaning to).
    pub name: &'n str,
}

impl XmlNamespaces {
    /// Records the `xmlns:prefix` declarations among `attributes`.
    /// Attribute names arrive lowercased by the HTML tokenizer, so
    /// prefixes are compared without regard to ASCII case: that may join
    /// two prefixes XML keeps apart, never split one.
    pub fn declare<A: AttributeView>(&mut self, attributes: &[A]) {
        for attribute in attributes {
            let Some(prefix) = declared_prefix(attribute.name()) else {
                continue;
            };
            let XmlNamespace::Known(namespace) = xml_namespace(attribute.value()) else {
                // A namespace nothing runs in adds nothing to judge.
                continue;
            };
            let bindings = self
                .bindings
                .entry(prefix.to_ascii_lowercase())
                .or_default();
            match namespace {
                Namespace::Svg => bindings.svg = true,
                Namespace::Html => bindings.html = true,
                Namespace::MathMl => bindings.math_ml = true,
            }
        }
    }

    /// The namespace and name the element `qualified` (as the tokenizer
    /// reports it, lowercased) with `attributes` has, given the namespace
    /// the HTML tokenizer put it in (`parsed`). Call [`Self::declare`]
    /// with the element's attributes first: its own declarations are in
    /// scope.
    pub fn resolve<'n, A: AttributeView>(
        &self,
        qualified: &'n str,
        attributes: &[A],
        parsed: Namespace,
    ) -> XmlElement<'n> {
        let Some((prefix, local)) = qualified.split_once(':') else {
            // An unprefixed element is in its own default namespace, if it
            // declares one; otherwise the tokenizer's guess stands (inside
            // `<svg>`, SVG).
            let own = attributes
                .iter()
                .find(|a| a.name() == "xmlns")
                .map(|a| xml_namespace(a.value()));
            return match own {
                Some(XmlNamespace::Known(namespace)) => XmlElement {
                    namespace,
                    name: qualified,
                },
                Some(XmlNamespace::Other) | None => XmlElement {
                    namespace: parsed,
                    name: qualified,
                },
            };
        };
        let bindings = if prefix.bytes().any(|b| b.is_ascii_uppercase()) {
            self.bindings.get(&prefix.to_ascii_lowercase())
        } else {
            self.bindings.get(prefix)
        };
        // SVG first: its `<script>` runs its text whatever it carries.
        bindings
            .and_then(|b| {
                [
                    (b.svg, Namespace::Svg),
                    (b.html, Namespace::Html),
                    (b.math_ml, Namespace::MathMl),
                ]
                .into_iter()
                .find_map(|(bound, namespace)| bound.then_some(namespace))
            })
            .map_or(
                XmlElement {
                    namespace: parsed,
                    name: qualified,
                },
                |namespace| XmlElement {
                    namespace,
                    name: local,
                },
            )
    }
}

/// The prefix an `xmlns:prefix` attribute declares.
fn declared_prefix(name: &str) -> Option<&str> {
    let prefix = name.strip_prefix("xmlns:")?;
    (!prefix.is_empty()).then_some(prefix)
}

/// An attribute as a browser sees it.
pub trait AttributeView {
    /// The name, ASCII-lowercased (`xlink:href`, `onclick`).
    fn name(&self) -> &str;
    /// The value with character references decoded.
    fn value(&self) -> &str;
}

impl<N: AsRef<str>, V: AsRef<str>> AttributeView for (N, V) {
    fn name(&self) -> &str {
        self.0.as_ref()
    }

    fn value(&self) -> &str {
        self.1.as_ref()
    }
}

/// A raw attribute value with its character references decoded as a
/// browser decodes them in attributes (legacy references without `;`
/// included, but not before `=` or an alphanumeric).
pub fn decoded_attribute_value(raw: &str) -> Cow<'_, str> {
    if raw.contains('&') {
        htmlize::unescape_attribute(raw)
    } else {
        Cow::Borrowed(raw)
    }
}

/// The part of a qualified name after its prefix: `href` for
/// `xlink:href`. In an XML document any prefix may stand for a namespace,
/// so the judgement reads the local name and does not trust the prefix.
pub fn local_name(name: &str) -> &str {
    // Names are short and asked about for every element: a plain scan.
    match name.bytes().rposition(|b| b == b':') {
        Some(colon) => &name[colon + 1..],
        None => name,
    }
}

/// Whether an attribute name is an inline event handler (`onclick`,
/// `onbegin`, …).
pub fn is_event_handler(name: &str) -> bool {
    name.len() > 2 && name.as_bytes()[..2].eq_ignore_ascii_case(b"on")
}

/// Whether an attribute name is a link in SVG: `href`, `xlink:href`, or
/// `href` under any other prefix (an XML document may bind the XLink
/// namespace to any prefix).
pub fn is_link_attribute(name: &str) -> bool {
    local_name(name).eq_ignore_ascii_case("href")
}

/// Whether a `<script>` with these attributes runs its own text.
///
/// In HTML, `src` makes the browser fetch the script and ignore the text.
/// An SVG `<script>` has no `src`: it loads from `href` (or `xlink:href`),
/// and with neither it runs its text whatever other attributes
/// (`src`, `integrity`) it carries.
pub fn script_runs_body<A: AttributeView>(namespace: Namespace, attributes: &[A]) -> bool {
    match namespace {
        Namespace::Html => !attributes.iter().any(|a| a.name() == "src"),
        Namespace::Svg | Namespace::MathMl => {
            !attributes.iter().any(|a| is_link_attribute(a.name()))
        }
    }
}

/// SMIL animation elements, which can set any attribute of their target.
const ANIMATION_ELEMENTS: &[&str] = &[
    "set",
    "animate",
    "animatecolor",
    "animatemotion",
    "animatetransform",
];

/// Whether an element (lowercase name, any prefix) is a SMIL animation.
pub fn is_animation(element: &str) -> bool {
    let local = local_name(element);
    // Every element of a page is asked: reject by length before comparing.
    matches!(local.len(), 3 | 7 | 12 | 13 | 16)
        && ANIMATION_ELEMENTS
            .iter()
            .any(|name| local.eq_ignore_ascii_case(name))
}

/// What a SMIL animation element does to its target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Animation<'a> {
    /// Index of the `attributeName` attribute.
    pub attribute_name: usize,
    /// The attribute it animates, trimmed (`href`, `xlink:href`).
    pub target: &'a str,
    /// Every value it sets.
    pub values: Vec<AnimatedValue<'a>>,
}

/// One value an animation gives its target attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnimatedValue<'a> {
    /// Index of the attribute it comes from (`to`, `from`, `by`, `values`).
    pub attribute: usize,
    /// Byte offset of the value inside that attribute's value.
    pub offset: usize,
    pub value: &'a str,
}

impl Animation<'_> {
    /// Whether the animated attribute is a link (`href` under any prefix).
    pub fn targets_link(&self) -> bool {
        is_link_attribute(self.target)
    }

    /// Whether the animated attribute is an event handler.
    pub fn targets_handler(&self) -> bool {
        is_event_handler(local_name(self.target))
    }
}

/// The animation an element performs, if it is a SMIL animation element
/// naming the attribute it animates. `to`, `from` and `by` give one value
/// each; `values` a `;`-separated list.
pub fn animation<'a, A: AttributeView>(
    element: &str,
    attributes: &'a [A],
) -> Option<Animation<'a>> {
    if !is_animation(element) {
        return None;
    }
    let attribute_name = attributes
        .iter()
        .position(|a| local_name(a.name()).eq_ignore_ascii_case("attributename"))?;
    let target = attributes[attribute_name].value().trim_matches(is_space);
    let mut values = Vec::new();
    for (index, attribute) in attributes.iter().enumerate() {
        let name = local_name(attribute.name());
        let value = attribute.value();
        if ["to", "from", "by"]
            .iter()
            .any(|n| name.eq_ignore_ascii_case(n))
        {
            values.push(AnimatedValue {
                attribute: index,
                offset: 0,
                value,
            });
        } else if name.eq_ignore_ascii_case("values") {
            let mut offset = 0;
            for part in value.split(';') {
                let trimmed = part.trim_start_matches(is_space);
                values.push(AnimatedValue {
                    attribute: index,
                    offset: offset + (part.len() - trimmed.len()),
                    value: trimmed.trim_end_matches(is_space),
                });
                offset += part.len() + 1;
            }
        }
    }
    Some(Animation {
        attribute_name,
        target,
        values,
    })
}

fn is_space(c: char) -> bool {
    c.is_ascii_whitespace()
}

/// One way an element's attributes run script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Execution {
    /// An `on…` attribute, by index.
    EventHandler { attribute: usize },
    /// A SMIL animation that sets an event handler attribute on its target
    /// (`<set attributeName="onclick" to="…">`); `attribute` is the
    /// `attributeName` attribute's index.
    AnimatedEventHandler { attribute: usize, target: String },
    /// A SMIL animation that sets a link attribute to a `javascript:` URL
    /// (`<set attributeName="href" to="javascript:…">`); `attribute` is the
    /// index of the attribute holding the value and `offset` its place in
    /// that attribute's value.
    AnimatedJavaScriptUrl {
        attribute: usize,
        offset: usize,
        target: String,
    },
}

/// Every way the element `element` (lowercase name) with `attributes`
/// runs script through its attributes. `javascript:` URLs in ordinary URL
/// attributes are judged by [`url_norm`]; this adds the ones an animation
/// writes.
pub fn executions<A: AttributeView>(element: &str, attributes: &[A]) -> Vec<Execution> {
    // Most elements neither animate nor carry a handler.
    if !is_animation(element) && !attributes.iter().any(|a| is_event_handler(a.name())) {
        return Vec::new();
    }
    let mut found: Vec<Execution> = attributes
        .iter()
        .enumerate()
        .filter(|(_, a)| is_event_handler(a.name()))
        .map(|(attribute, _)| Execution::EventHandler { attribute })
        .collect();
    if let Some(animation) = animation(element, attributes) {
        if animation.targets_handler() {
            found.push(Execution::AnimatedEventHandler {
                attribute: animation.attribute_name,
                target: animation.target.to_ascii_lowercase(),
            });
        }
        if animation.targets_link() {
            found.extend(
                animation
                    .values
                    .iter()
                    .filter(|v| url_norm::is_javascript_url(v.value))
                    .map(|v| Execution::AnimatedJavaScriptUrl {
                        attribute: v.attribute,
                        offset: v.offset,
                        target: animation.target.to_ascii_lowercase(),
                    }),
            );
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attrs(pairs: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
        pairs.to_vec()
    }

    #[test]
    fn svg_scripts_run_their_text_unless_they_link_a_file() {
        let src = attrs(&[("src", "/x.js"), ("integrity", "sha384-x")]);
        assert!(!script_runs_body(Namespace::Html, &src));
        assert!(script_runs_body(Namespace::Svg, &src));
        for link in ["href", "xlink:href", "x:href"] {
            assert!(!script_runs_body(
                Namespace::Svg,
                &attrs(&[(link, "/x.js")])
            ));
        }
        assert!(script_runs_body(
            Namespace::Html,
            &attrs(&[("href", "/x.js")])
        ));
    }

    #[test]
    fn animations_that_write_javascript_urls_or_handlers_run_script() {
        let set = attrs(&[
            ("attributename", " xlink:HREF\n"),
            ("to", "javascript:alert(1)"),
        ]);
        assert_eq!(
            executions("set", &set),
            [Execution::AnimatedJavaScriptUrl {
                attribute: 1,
                offset: 0,
                target: "xlink:href".into()
            }]
        );
        let values = attrs(&[
            ("attributename", "href"),
            ("values", "/a; \tJAVA\tSCRIPT:go();/b"),
        ]);
        assert_eq!(
            executions("animate", &values),
            [Execution::AnimatedJavaScriptUrl {
                attribute: 1,
                offset: 5,
                target: "href".into()
            }]
        );
        let handler = attrs(&[("attributename", "onclick"), ("to", "alert(1)")]);
        assert_eq!(
            executions("svg:set", &handler),
            [Execution::AnimatedEventHandler {
                attribute: 0,
                target: "onclick".into()
            }]
        );
        let own_handler = attrs(&[("onbegin", "go()")]);
        assert_eq!(
            executions("animate", &own_handler),
            [Execution::EventHandler { attribute: 0 }]
        );
    }

    #[test]
    fn harmless_animations_pass() {
        for pairs in [
            attrs(&[("attributename", "href"), ("to", "/next/")]),
            attrs(&[("attributename", "fill"), ("values", "red;javascript:x")]),
            attrs(&[("attributename", "href"), ("values", "#a;#b")]),
        ] {
            assert!(executions("animate", &pairs).is_empty(), "{pairs:?}");
        }
        // Not an animation element: its `to` is no URL.
        assert!(
            executions(
                "p",
                &attrs(&[("attributename", "href"), ("to", "javascript:x")])
            )
            .is_empty()
        );
    }

    #[test]
    fn xml_prefixes_resolve_to_the_namespaces_they_are_bound_to() {
        let mut namespaces = XmlNamespaces::default();
        let root = attrs(&[
            ("xmlns:s", " http://www.w3.org/2000/svg "),
            ("xmlns:d", "urn:x"),
        ]);
        namespaces.declare(&root);
        let none: Vec<(&str, &str)> = Vec::new();
        let resolved = namespaces.resolve("s:script", &none, Namespace::Html);
        assert_eq!(
            (resolved.namespace, resolved.name),
            (Namespace::Svg, "script")
        );
        let resolved = namespaces.resolve("d:script", &none, Namespace::Svg);
        assert_eq!(
            (resolved.namespace, resolved.name),
            (Namespace::Svg, "d:script")
        );
        // A prefix declared on the element itself, and a default namespace.
        let own = attrs(&[("xmlns:h", "http://www.w3.org/1999/xhtml")]);
        namespaces.declare(&own);
        let resolved = namespaces.resolve("h:script", &own, Namespace::Svg);
        assert_eq!(
            (resolved.namespace, resolved.name),
            (Namespace::Html, "script")
        );
        let default = attrs(&[("xmlns", "http://www.w3.org/1999/xhtml")]);
        let resolved = namespaces.resolve("script", &default, Namespace::Svg);
        assert_eq!(resolved.namespace, Namespace::Html);
        // Bound once to SVG anywhere before: judged as SVG, never missed.
        namespaces.declare(&attrs(&[("xmlns:d", "http://www.w3.org/2000/svg")]));
        let resolved = namespaces.resolve("d:script", &none, Namespace::Html);
        assert_eq!(
            (resolved.namespace, resolved.name),
            (Namespace::Svg, "script")
        );
    }

    mod fuzz {
        use super::super::*;
        use crate::fuzz;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(fuzz::config())]

            /// A prefix bound to SVG is found whatever it is called and
            /// whatever else was declared, and any declarations and names
            /// resolve without failing, to a suffix of the name.
            #[test]
            fn fuzz_xml_names_resolve_by_their_bindings(
                prefix in "[a-z][a-z0-9._-]{0,8}",
                others in prop::collection::vec(("[a-z]{1,4}", fuzz::noise()), 0..4),
                local in prop::sample::select(&["script", "a", "set", "style"][..]),
                qualified in fuzz::noise(),
            ) {
                let mut namespaces = XmlNamespaces::default();
                let declared: Vec<(String, String)> = others
                    .iter()
                    .map(|(p, uri)| (format!("xmlns:{p}"), uri.clone()))
                    .collect();
                namespaces.declare(&declared);
                namespaces.declare(&[(format!("xmlns:{prefix}"), "http://www.w3.org/2000/svg".to_string())]);
                let none: Vec<(String, String)> = Vec::new();
                let name = format!("{prefix}:{local}");
                let resolved = namespaces.resolve(&name, &none, Namespace::Html);
                prop_assert_eq!(resolved.namespace, Namespace::Svg);
                prop_assert_eq!(resolved.name, local);
                let any = namespaces.resolve(&qualified, &declared, Namespace::Html);
                prop_assert!(qualified.ends_with(any.name));
            }

            /// An animation of a link to a `javascript:` value is caught
            /// whatever the element's spelling, the link's prefix and case,
            /// the space around it, and the place of the value in the list.
            #[test]
            fn fuzz_animated_javascript_links_are_caught(
                element in prop::sample::select(&["set", "animate", "SVG:SET", "animateMotion", "animatetransform"][..]),
                prefix in prop::sample::select(&["", "xlink:", "x:", "XLINK:"][..]),
                space in prop::sample::select(&["", " ", "\t\n"][..]),
                before in prop::collection::vec(prop::sample::select(&["/a", "#b", ""][..]), 0..4),
                scheme in prop::sample::select(&["javascript:", "JAVASCRIPT:", " java\tscript:", "\u{1}javascript:"][..]),
                in_values in any::<bool>(),
            ) {
                let target = format!("{space}{prefix}HREF{space}");
                let value = format!("{scheme}alert(1)");
                let attributes = if in_values {
                    let mut list = before.clone();
                    list.push(&value);
                    vec![("attributename".to_string(), target), ("values".to_string(), list.join(";"))]
                } else {
                    vec![("attributename".to_string(), target), ("to".to_string(), value.clone())]
                };
                let found = executions(&element.to_ascii_lowercase(), &attributes);
                prop_assert!(
                    found.iter().any(|e| matches!(e, Execution::AnimatedJavaScriptUrl { attribute: 1, .. })),
                    "{:?}",
                    attributes
                );
            }

            /// The judgement never fails on any attributes.
            #[test]
            fn fuzz_any_attributes_are_judged(
                element in fuzz::noise(),
                pairs in prop::collection::vec((fuzz::noise(), fuzz::noise()), 0..6),
            ) {
                let found = executions(&element, &pairs);
                for execution in found {
                    let index = match execution {
                        Execution::EventHandler { attribute }
                        | Execution::AnimatedEventHandler { attribute, .. }
                        | Execution::AnimatedJavaScriptUrl { attribute, .. } => attribute,
                    };
                    prop_assert!(index < pairs.len());
                }
                let _ = script_runs_body(Namespace::Svg, &pairs);
            }
        }
    }
}
