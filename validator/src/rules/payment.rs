//! `payment`: checkout is a sandbox placeholder. No payment provider SDK or
//! hosted checkout is referenced, and no field asks for a card number or
//! security code: a marketing site that collects card data is in scope for
//! PCI DSS, which this site does not claim.

use crate::emit::{FileFindings, Message};
use crate::rule::{Category, Rule};
use crate::rules::hosts::{HostKind, HostMatch};
use crate::scan::PageContext;

const SDK_HELP: &str = "Remove the payment SDK or checkout link; the site shows a sandbox notice instead of taking payments.";
const FIELD_HELP: &str = "Remove card fields; the site never collects payment card data.";

/// Field names (lowercased, without `-`, `_` or spaces) that ask for card data.
const CARD_FIELD_NAMES: &[&str] = &[
    "cardnumber",
    "ccnumber",
    "ccnum",
    "cardnum",
    "creditcard",
    "creditcardnumber",
    "cc",
    "cvc",
    "cvv",
    "cvv2",
    "cvc2",
    "csc",
    "securitycode",
    "cardcvc",
    "cardcvv",
    "cardexpiry",
    "ccexp",
    "expirydate",
    "cardexp",
    "pan",
];

/// Flags the payment SDK and checkout hosts found in a text file.
pub(crate) fn check_hosts(found_hosts: &[HostMatch], out: &mut FileFindings<'_>) {
    // Every text file's hosts are judged, whatever it holds.
    out.examine(&CATEGORY);
    for found in found_hosts {
        if found.kind == HostKind::Payment {
            out.at(
                found.offset,
                Message::error(
                    "payment/provider-sdk",
                    format!("reference to payment provider host {}", found.host),
                    SDK_HELP,
                ),
            );
        }
    }
}

/// Whether a field name or id, ignoring ASCII case and the separators
/// `-`, `_`, space, `.`, `[` and `]`, is one of [`CARD_FIELD_NAMES`].
/// It compares in place because it runs on every form field.
fn is_card_field_name(value: &str) -> bool {
    CARD_FIELD_NAMES.iter().any(|card| {
        let mut squashed = value
            .chars()
            .filter(|c| !matches!(c, '-' | '_' | ' ' | '.' | '[' | ']'));
        card.chars()
            .all(|k| squashed.next().is_some_and(|c| c.eq_ignore_ascii_case(&k)))
            && squashed.next().is_none()
    })
}

pub(crate) fn check_page(ctx: &PageContext<'_>, out: &mut FileFindings<'_>) {
    out.examine(&CATEGORY);
    for element in &ctx.page.elements {
        if !matches!(&*element.name, "input" | "select" | "textarea") {
            continue;
        }
        let autocomplete = element.attr("autocomplete").filter(|a| {
            a.value.split_ascii_whitespace().any(|t| {
                t.as_bytes()
                    .get(..3)
                    .is_some_and(|prefix| prefix.eq_ignore_ascii_case(b"cc-"))
            })
        });
        let named = ["name", "id"]
            .into_iter()
            .find_map(|n| element.attr(n).filter(|a| is_card_field_name(&a.value)));
        if let Some(attr) = autocomplete.or(named) {
            out.at(
                attr.offset(),
                Message::error(
                    "payment/card-field",
                    format!(
                        "<{}> asks for payment card data ({}=\"{}\")",
                        element.name,
                        attr.name,
                        attr.value.trim()
                    ),
                    FIELD_HELP,
                ),
            );
        }
    }
}

/// The rules of this category, declared once for every output, the
/// documentation check and the fixture harness.
pub const CATEGORY: Category = Category {
    name: "payment",
    title: "checkout is a sandbox",
    security_severity: 7.0,
    rules: &[
        Rule::error(
            "payment/provider-sdk",
            "a payment SDK or hosted checkout host (Stripe, Braintree, PayPal SDK, Checkout.com, Square, Google Pay, Paddle, Adyen, Klarna, Recurly, Authorize.net, …) where a browser would load or follow it (see \"Loads, not mentions\" under `consent`)",
            "the site takes no payments",
            "remove it",
        ),
        Rule::error(
            "payment/card-field",
            "an `input`/`select`/`textarea` with an `autocomplete` token `cc-*`, or a name/id such as `cardnumber`, `card_number`, `cvc`, `cvv`",
            "collecting card data puts the site in PCI DSS scope",
            "remove the field",
        ),
    ],
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn card_field_names_ignore_case_and_separators() {
        for name in [
            "Card-Number",
            "CC_Num",
            "cc",
            "[cvv2]",
            "Security Code",
            "P.A.N",
        ] {
            assert!(is_card_field_name(name), "{name}");
        }
        for name in ["", "c", "ccnumberx", "payment[cvc]", "email", "cvç"] {
            assert!(!is_card_field_name(name), "{name}");
        }
    }
}
