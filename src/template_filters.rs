//! Tera's filters whose output can be many times their input, bounded.
//!
//! `replace` writes its replacement once per match, `join` its separator
//! once per item and `indent` its indentation once per line, so one call
//! can turn a few megabytes into terabytes before anything is written and
//! the page cap can see it. These versions measure the result before they
//! build it and fail the render past the page cap (the same limit
//! [`crate::template_steps::limit_values`] sets); below it they write what
//! Tera's own filters write, byte for byte, safe-string marking included.

use std::borrow::Cow;
use std::fmt::Write as _;

use tera::{Kwargs, State, StringInput, TeraResult, Value};

use crate::template_steps::value_limit;

/// Registers the bounded filters in place of Tera's.
pub fn register(tera: &mut tera::Tera) {
    tera.register_filter("replace", replace);
    tera.register_filter("join", join);
    tera.register_filter("indent", indent);
}

fn too_long(filter: &str, limit: usize) -> tera::Error {
    tera::Error::message(format!(
        "`{filter}` would build a string longer than a page may be ({limit} bytes)"
    ))
}

/// Tera's `replace(from, to)`.
fn replace(val: StringInput, kwargs: Kwargs, state: &State) -> TeraResult<Value> {
    let from = kwargs.must_get::<&str>("from")?;
    let to = kwargs.must_get::<StringInput>("to")?;
    let be_safe = state.autoescaping_enabled() && (val.is_safe() || to.is_safe());
    let (text, with): (Cow<'_, str>, Cow<'_, str>) = if be_safe {
        (val.rendered(state)?, to.rendered(state)?)
    } else {
        (Cow::Borrowed(val.as_str()), Cow::Borrowed(to.as_str()))
    };
    // An empty pattern matches before every character and at the end.
    let matches = if from.is_empty() {
        text.chars().count() + 1
    } else {
        text.matches(from).count()
    };
    let limit = value_limit();
    let length = matches
        .checked_mul(with.len())
        .and_then(|added| added.checked_add(text.len() - matches * from.len()));
    if length.is_none_or(|length| length > limit) {
        return Err(too_long("replace", limit));
    }
    let out = text.replace(from, &with);
    Ok(if be_safe {
        Value::safe_string(&out)
    } else {
        Value::from(out)
    })
}

/// A `fmt::Write` that refuses to grow past a limit, so that formatting a
/// list that nests shared lists stops early instead of expanding them all.
struct Bounded {
    text: String,
    limit: usize,
}

impl std::fmt::Write for Bounded {
    fn write_str(&mut self, piece: &str) -> std::fmt::Result {
        if self.text.len().saturating_add(piece.len()) > self.limit {
            return Err(std::fmt::Error);
        }
        self.text.push_str(piece);
        Ok(())
    }
}

/// Tera's `join(sep)`.
fn join(val: &[Value], kwargs: Kwargs, state: &State) -> TeraResult<Value> {
    let sep = kwargs.get::<StringInput>("sep")?;
    let limit = value_limit();
    let be_safe = state.autoescaping_enabled()
        && (val.iter().any(|x| x.is_string() && x.is_safe())
            || sep.as_ref().is_some_and(|x| x.is_safe()));
    let separator: Cow<'_, str> = match &sep {
        Some(sep) if be_safe => sep.rendered(state)?,
        Some(sep) => Cow::Borrowed(sep.as_str()),
        None => Cow::Borrowed(""),
    };
    let mut out = Bounded {
        text: String::new(),
        limit,
    };
    for (index, item) in val.iter().enumerate() {
        if index > 0 {
            out.write_str(&separator)
                .map_err(|_| too_long("join", limit))?;
        }
        if be_safe {
            if !item.is_undefined() {
                out.write_str(&state.escape_if_needed(item)?)
                    .map_err(|_| too_long("join", limit))?;
            }
        } else {
            write!(out, "{item}").map_err(|_| too_long("join", limit))?;
        }
    }
    Ok(if be_safe {
        Value::safe_string(&out.text)
    } else {
        Value::from(out.text)
    })
}

/// Tera's `indent(width, indentation, first, blank)`.
fn indent(val: StringInput, kwargs: Kwargs, state: &State) -> TeraResult<Value> {
    let width = kwargs.get::<usize>("width")?.unwrap_or(4).min(1000);
    let indentation = kwargs.get::<StringInput>("indentation")?;
    let indent_first_line = kwargs.get::<bool>("first")?.unwrap_or(false);
    let indent_blank_line = kwargs.get::<bool>("blank")?.unwrap_or(false);
    if let Some(ref i) = indentation
        && i.as_str().chars().count() != 1
    {
        return Err(tera::Error::message(
            "The `indentation` argument must contain exactly one character",
        ));
    }
    let be_safe = state.autoescaping_enabled()
        && (val.is_safe() || indentation.as_ref().is_some_and(|x| x.is_safe()));
    let text = if be_safe {
        val.rendered(state)?
    } else {
        Cow::Borrowed(val.as_str())
    };
    let unit: Cow<'_, str> = match &indentation {
        Some(i) if be_safe => i.rendered(state)?,
        Some(i) => Cow::Borrowed(i.as_str()),
        None => Cow::Borrowed(" "),
    };
    // At most one indentation a line, on top of the text itself.
    let limit = value_limit();
    let lines = text.lines().count();
    let length = lines
        .checked_mul(width)
        .and_then(|count| count.checked_mul(unit.len()))
        .and_then(|added| added.checked_add(text.len()));
    if length.is_none_or(|length| length > limit) {
        return Err(too_long("indent", limit));
    }
    let indent = unit.repeat(width);
    let mut res = String::with_capacity(text.len() * 2);
    let mut first_line = true;
    for line in text.lines() {
        if first_line {
            if indent_first_line {
                res.push_str(&indent);
            }
            first_line = false;
        } else {
            res.push('\n');
            if !line.is_empty() || indent_blank_line {
                res.push_str(&indent);
            }
        }
        res.push_str(line);
    }
    if text.ends_with('\n') {
        res.push('\n');
    }
    Ok(if be_safe {
        Value::safe_string(&res)
    } else {
        Value::from(res)
    })
}

#[cfg(test)]
mod tests {
    use super::register;
    use crate::template_steps::limit_values;
    use proptest::prelude::*;

    fn render(text: &str, context: &tera::Context, bounded: bool) -> Result<String, String> {
        let mut tera = tera::Tera::new();
        if bounded {
            register(&mut tera);
        }
        tera.autoescape_on(vec![".html"]);
        tera.add_raw_template("t.html", text)
            .map_err(|e| e.to_string())?;
        tera.render("t.html", context).map_err(|e| format!("{e:?}"))
    }

    #[test]
    fn amplifying_calls_stop_at_the_limit() {
        let mut context = tera::Context::new();
        context.insert("s", &"a".repeat(2000));
        context.insert("xs", &vec!["x"; 2000]);
        limit_values(100_000);
        let cases = [
            "{{ s | replace(from=\"a\", to=s) }}",
            "{{ s | replace(from=\"\", to=s) }}",
            "{{ xs | join(sep=s) }}",
            "{{ s | replace(from=\"a\", to=\"\n\") | indent(width=1000) }}",
        ];
        for text in cases {
            let error = render(text, &context, true).expect_err(text);
            assert!(
                error.contains("longer than a page may be"),
                "{text}: {error}"
            );
        }
        limit_values(usize::MAX);
    }

    proptest! {
        /// Below the limit the bounded filters write what Tera's write.
        #[test]
        fn below_the_limit_they_write_what_teras_filters_write(
            text in "[ab<&\n ]{0,24}",
            from in "[ab<]{0,2}",
            to in "[ab>&\n]{0,3}",
            items in proptest::collection::vec("[ab<]{0,4}", 0..5),
            width in 0usize..6,
            first in any::<bool>(),
            blank in any::<bool>(),
            safe in any::<bool>(),
        ) {
            let mut context = tera::Context::new();
            context.insert("text", &text);
            context.insert("from", &from);
            context.insert("to", &to);
            context.insert("items", &items);
            let mark = if safe { " | safe" } else { "" };
            let templates = [
                format!("{{{{ text{mark} | replace(from=from, to=to) }}}}"),
                format!("{{{{ items | join(sep=to{mark}) }}}}"),
                "{{ items | join }}".to_string(),
                format!(
                    "{{{{ text{mark} | indent(width={width}, first={first}, blank={blank}) }}}}"
                ),
                format!("{{{{ text | indent(indentation=\"-\", width={width}) }}}}"),
            ];
            for template in templates {
                prop_assert_eq!(
                    render(&template, &context, true),
                    render(&template, &context, false),
                    "{}", template
                );
            }
        }
    }
}
