//! `form`: forms post to the site itself, and the lead form works without
//! JavaScript: `method="post"` to `/lead`, with a visible `mailto:`
//! fallback so a visitor can always reach sales.

use crate::emit::{FileFindings, Message};
use crate::html::Element;
use crate::rule::{Category, Rule};
use crate::scan::PageContext;
use crate::url_norm::Target;

/// The path the lead form posts to.
pub const LEAD_PATH: &str = "/lead";

const ACTION_HELP: &str = "Post forms to the site's own origin (the lead form to /lead).";
const METHOD_HELP: &str = "Set method=\"post\" on the lead form so it works without JavaScript and keeps fields out of URLs.";
const LEAD_ACTION_HELP: &str = "Set action=\"/lead\" on the lead form.";
const MAILTO_HELP: &str =
    "Show a visible mailto: link next to the form, e.g. <a href=\"mailto:sales@…\">.";

/// Whether a form collects a lead: it has an e-mail field and a message
/// field, or it already posts to `/lead`.
fn is_lead_form(ctx: &PageContext<'_>, index: usize, form: &Element<'_>) -> bool {
    let fields: Vec<&Element<'_>> = ctx
        .page
        .elements
        .iter()
        .filter(|e| e.form == Some(index) && matches!(&*e.name, "input" | "textarea"))
        .collect();
    let has_field = |wanted: &str| {
        fields.iter().any(|f| {
            f.value("name")
                .is_some_and(|n| n.trim().eq_ignore_ascii_case(wanted))
                || (wanted == "email"
                    && f.value("type")
                        .is_some_and(|t| t.trim().eq_ignore_ascii_case("email")))
        })
    };
    let posts_to_lead = form
        .value("action")
        .is_some_and(|a| ctx.classify(a).path() == Some(LEAD_PATH));
    posts_to_lead || (has_field("email") && has_field("message"))
}

pub(crate) fn check_page(ctx: &PageContext<'_>, out: &mut FileFindings<'_>) {
    for element in &ctx.page.elements {
        if !matches!(&*element.name, "form" | "button" | "input") {
            continue;
        }
        for name in ["action", "formaction"] {
            let Some(attr) = element.attr(name) else {
                continue;
            };
            let target = ctx.classify(&attr.value);
            let outside = match &target {
                Target::CrossOrigin { host, .. } => Some(format!("third-party host {host}")),
                Target::Mailto { .. } => Some("a mailto: address".to_string()),
                Target::Data | Target::Other { .. } => Some("a non-http URL".to_string()),
                _ => None,
            };
            if let Some(where_to) = outside {
                out.at(
                    attr.offset(),
                    Message::error(
                        "form/third-party-action",
                        format!("<{}> submits to {where_to}", element.name),
                        ACTION_HELP,
                    ),
                );
            }
        }
    }
    let has_mailto = || {
        ctx.urls.iter().any(|u| {
            u.element.name == "a"
                && u.name == "href"
                && !u.element.in_noscript
                && matches!(u.target, Target::Mailto { .. })
        })
    };
    for (index, form) in ctx.page.elements.iter().enumerate() {
        if form.name != "form" || !is_lead_form(ctx, index, form) {
            continue;
        }
        let method = form.value("method").unwrap_or("get").trim();
        if !method.eq_ignore_ascii_case("post") {
            out.at(
                form.start,
                Message::error(
                    "form/lead-method",
                    format!("lead form uses method \"{method}\" instead of post"),
                    METHOD_HELP,
                ),
            );
        }
        let action = form.value("action").unwrap_or("");
        if ctx.classify(action).path() != Some(LEAD_PATH) {
            out.at(
                form.attr("action").map_or(form.start, |a| a.offset()),
                Message::error(
                    "form/lead-action",
                    "lead form does not post to /lead",
                    LEAD_ACTION_HELP,
                ),
            );
        }
        if !has_mailto() {
            out.at(
                form.start,
                Message::error(
                    "form/mailto-fallback",
                    "page with the lead form shows no mailto: fallback link",
                    MAILTO_HELP,
                ),
            );
        }
    }
}

/// The rules of this category, declared once for every output, the
/// documentation check and the fixture harness.
pub const CATEGORY: Category = Category {
    name: "form",
    title: "lead capture",
    rules: &[
        Rule::error(
            "form/third-party-action",
            "a form `action` or button `formaction` to another origin, `mailto:` or a non-http scheme",
            "form data leaves the site",
            "post to the site",
        ),
        Rule::error(
            "form/lead-method",
            "a lead form without `method=\"post\"`",
            "fields end up in URLs and logs; no-JS posting breaks",
            "`method=\"post\"`",
        ),
        Rule::error(
            "form/lead-action",
            "a lead form that does not post to `/lead`",
            "the Worker only accepts `/lead`",
            "`action=\"/lead\"`",
        ),
        Rule::error(
            "form/mailto-fallback",
            "a page with a lead form but no `mailto:` link",
            "visitors must always be able to reach sales",
            "add a visible `mailto:` link",
        ),
    ],
};
