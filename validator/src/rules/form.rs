//! `form`: forms post to the site itself, and, when the config states the
//! site's lead form contract (`lead_form`), the lead form keeps it: the
//! configured method and action, and a visible `mailto:` fallback when
//! the contract asks for one. Without a contract no form is a lead form.

use crate::config::LeadForm;
use crate::emit::{FileFindings, Message};
use crate::html::Element;
use crate::rule::{Category, Rule};
use crate::scan::PageContext;
use crate::url_norm::Target;

const ACTION_HELP: &str = "Post forms to the site's own origin.";
const METHOD_HELP: &str =
    "Set the method the lead form contract (lead_form.method) names on the lead form.";
const LEAD_ACTION_HELP: &str =
    "Set the action the lead form contract (lead_form.action) names on the lead form.";
const MAILTO_HELP: &str =
    "Show a visible mailto: link next to the form, e.g. <a href=\"mailto:sales@…\">.";

/// The URL path the contract's action names, normalised as page URLs are.
fn lead_path(ctx: &PageContext<'_>, contract: &LeadForm) -> Option<String> {
    ctx.classify(&contract.action).path().map(str::to_string)
}

/// Whether a form collects a lead: it has an e-mail field and a message
/// field, or it already posts to the contract's action.
fn is_lead_form(
    ctx: &PageContext<'_>,
    lead_path: Option<&str>,
    index: usize,
    form: &Element<'_>,
) -> bool {
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
    let posts_to_lead = lead_path.is_some()
        && form
            .value("action")
            .is_some_and(|a| ctx.classify(a).path() == lead_path);
    posts_to_lead || (has_field("email") && has_field("message"))
}

pub(crate) fn check_page(ctx: &PageContext<'_>, out: &mut FileFindings<'_>) {
    // The submission targets judged are the routes this rule examined.
    let mut judged = 0;
    for element in &ctx.page.elements {
        if !matches!(&*element.name, "form" | "button" | "input") {
            continue;
        }
        for name in ["action", "formaction"] {
            let Some(attr) = element.attr(name) else {
                continue;
            };
            judged += 1;
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
    out.examine_routes(&CATEGORY, judged);
    let Some(contract) = &ctx.site.lead_form else {
        return;
    };
    let lead_path = lead_path(ctx, contract);
    for (index, form) in ctx.page.elements.iter().enumerate() {
        if form.name != "form" || !is_lead_form(ctx, lead_path.as_deref(), index, form) {
            continue;
        }
        let method = form.value("method").unwrap_or("get").trim();
        let wanted = contract.method.as_str();
        if !method.eq_ignore_ascii_case(wanted) {
            out.at(
                form.start,
                Message::error(
                    "form/lead-method",
                    format!("lead form uses method \"{method}\" instead of {wanted}"),
                    METHOD_HELP,
                ),
            );
        }
        let action = form.value("action").unwrap_or("");
        if lead_path.is_none() || ctx.classify(action).path() != lead_path.as_deref() {
            out.at(
                form.attr("action").map_or(form.start, |a| a.offset()),
                Message::error(
                    "form/lead-action",
                    format!("lead form does not post to {}", contract.action),
                    LEAD_ACTION_HELP,
                ),
            );
        }
        if contract.mailto_fallback && !has_mailto() {
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
    title: "forms post to the site, and the lead form keeps its contract",
    security_severity: 5.5,
    rules: &[
        Rule::error(
            "form/third-party-action",
            "a form `action` or button `formaction` to another origin, `mailto:` or a non-http scheme",
            "form data leaves the site",
            "post to the site",
        ),
        Rule::error(
            "form/lead-method",
            "with a `lead_form` contract: a lead form (an e-mail and a `message` field, or posting to the contract's action) not using its `method` (default `post`)",
            "with `get`, fields end up in URLs and logs",
            "set the method the contract names, e.g. `method=\"post\"`",
        ),
        Rule::error(
            "form/lead-action",
            "with a `lead_form` contract: a lead form not posting to its `action`",
            "the endpoint behind the contract is the only one that accepts leads",
            "post to the contract's action, e.g. `action=\"/lead\"`",
        ),
        Rule::error(
            "form/mailto-fallback",
            "with a `lead_form` contract asking for it (`mailto_fallback`, default true): a page with a lead form but no visible `mailto:` link",
            "visitors must always be able to reach sales",
            "add a visible `mailto:` link",
        ),
    ],
};
