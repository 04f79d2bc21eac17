//! Column labels on the cells of Markdown tables.
//!
//! A table wider than a phone cannot be read by scrolling it sideways: the
//! column a visitor needs is the one off screen. The stylesheet therefore
//! stacks each row into a card on narrow screens and names every cell by
//! its column with `td[data-label]::before { content: attr(data-label) }`,
//! which needs no script and no inline style. This pass gives every body
//! cell a `data-label` holding the plain text of its column's header.
//!
//! pulldown-cmark writes a column's alignment as a `style` attribute,
//! which the site's Content Security Policy refuses and the raw HTML
//! policy forbids authors to write. Since this pass writes every cell's
//! opening tag itself, it writes the alignment as a class
//! (`align-left`, `align-center`, `align-right`) instead.

use std::ops::Range;

use pulldown_cmark::{Alignment, CowStr, Event, Tag, TagEnd};

/// The class that carries a column's alignment, if it has one.
fn alignment_class(alignment: Option<&Alignment>) -> Option<&'static str> {
    match alignment? {
        Alignment::None => None,
        Alignment::Left => Some("align-left"),
        Alignment::Center => Some("align-center"),
        Alignment::Right => Some("align-right"),
    }
}

/// Where the pass is inside a table.
#[derive(Default)]
struct Table {
    alignments: Vec<Alignment>,
    /// The plain text of each header cell, in column order.
    labels: Vec<String>,
    in_head: bool,
    /// The column of the cell being read, counted from the start of its
    /// row.
    column: usize,
    /// The text of the header cell being read.
    label: Option<String>,
}

/// Writes the opening tag of every table cell: header cells with their
/// alignment class, body cells with their alignment class and their
/// column's label. Every other event passes through unchanged, and each
/// cell's start is replaced where it stands, so the events are not moved.
pub fn label_cells<'a>(
    mut events: Vec<(Event<'a>, Range<usize>)>,
) -> Vec<(Event<'a>, Range<usize>)> {
    let mut table: Option<Table> = None;
    for (event, _) in &mut events {
        match &*event {
            Event::Start(Tag::Table(alignments)) => {
                table = Some(Table {
                    alignments: alignments.clone(),
                    ..Table::default()
                });
            }
            Event::End(TagEnd::Table) => table = None,
            _ => {}
        }
        let Some(state) = table.as_mut() else {
            continue;
        };
        match &*event {
            Event::Start(Tag::TableHead) => state.in_head = true,
            Event::End(TagEnd::TableHead) => state.in_head = false,
            Event::Start(Tag::TableRow) => state.column = 0,
            Event::Start(Tag::TableCell) => {
                let class = alignment_class(state.alignments.get(state.column));
                let tag = if state.in_head {
                    state.label = Some(String::new());
                    cell_tag("th", None, class)
                } else {
                    let label = state.labels.get(state.column).map(String::as_str);
                    cell_tag("td", label, class)
                };
                *event = Event::Html(CowStr::from(tag));
            }
            Event::End(TagEnd::TableCell) => {
                if let Some(label) = state.label.take() {
                    state.labels.push(collapse_spaces(&label));
                }
                state.column += 1;
            }
            Event::Text(text) | Event::Code(text) => {
                if let Some(label) = state.label.as_mut() {
                    label.push_str(text);
                }
            }
            Event::SoftBreak | Event::HardBreak => {
                if let Some(label) = state.label.as_mut() {
                    label.push(' ');
                }
            }
            _ => {}
        }
    }
    events
}

/// The opening tag of a cell. An empty label writes no attribute, so the
/// stylesheet shows no empty caption.
fn cell_tag(name: &str, label: Option<&str>, class: Option<&str>) -> String {
    let mut tag = format!("<{name}");
    if let Some(label) = label.filter(|label| !label.is_empty()) {
        tag.push_str(" data-label=\"");
        escape_attribute_into(&mut tag, label);
        tag.push('"');
    }
    if let Some(class) = class {
        tag.push_str(" class=\"");
        tag.push_str(class);
        tag.push('"');
    }
    tag.push('>');
    tag
}

/// Runs of whitespace as one space, and none at the ends: a label is one
/// line however the header was written.
fn collapse_spaces(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Escapes text for a double-quoted attribute value. Every character that
/// could end the value or start markup is written as a reference.
fn escape_attribute_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pulldown_cmark::{Options, Parser, html};

    fn render(markdown: &str) -> String {
        let events = Parser::new_ext(markdown, Options::ENABLE_TABLES)
            .into_offset_iter()
            .collect();
        let mut out = String::new();
        html::push_html(
            &mut out,
            label_cells(events).into_iter().map(|(event, _)| event),
        );
        out
    }

    #[test]
    fn body_cells_carry_their_column_header_as_plain_text() {
        let html = render(
            "| Promise | How *it* is `kept` | [What proves it](/x/) |\n|---|---|---|\n| a | b | c |\n| d | e | f |\n",
        );
        assert_eq!(
            html,
            "<table><thead><tr><th>Promise</th><th>How <em>it</em> is <code>kept</code></th><th><a href=\"/x/\">What proves it</a></th></tr></thead><tbody>\n\
             <tr><td data-label=\"Promise\">a</td><td data-label=\"How it is kept\">b</td><td data-label=\"What proves it\">c</td></tr>\n\
             <tr><td data-label=\"Promise\">d</td><td data-label=\"How it is kept\">e</td><td data-label=\"What proves it\">f</td></tr>\n\
             </tbody></table>\n"
        );
    }

    #[test]
    fn alignment_is_a_class_never_a_style_attribute() {
        let html = render("| l | c | r | n |\n|:--|:-:|--:|---|\n| 1 | 2 | 3 | 4 |\n");
        assert!(!html.contains("style"), "{html}");
        assert!(html.contains("<th class=\"align-left\">l</th>"), "{html}");
        assert!(
            html.contains("<td data-label=\"c\" class=\"align-center\">2</td>"),
            "{html}"
        );
        assert!(
            html.contains("<td data-label=\"r\" class=\"align-right\">3</td>"),
            "{html}"
        );
        assert!(html.contains("<td data-label=\"n\">4</td>"), "{html}");
    }

    #[test]
    fn labels_are_escaped_and_empty_headers_write_none() {
        let html = render("| a \"b\" &amp; <i>'c'</i> |  |\n|---|---|\n| 1 | 2 |\n");
        assert!(
            html.contains("<td data-label=\"a &quot;b&quot; &amp; &#39;c&#39;\">1</td>"),
            "{html}"
        );
        assert!(html.contains("<td>2</td>"), "{html}");
    }

    #[test]
    fn each_table_uses_its_own_headers() {
        let html = render("| a |\n|---|\n| 1 |\n\ntext\n\n| b | c |\n|---|---|\n| 2 | 3 |\n");
        assert!(html.contains("<td data-label=\"a\">1</td>"), "{html}");
        assert!(html.contains("<td data-label=\"b\">2</td>"), "{html}");
        assert!(html.contains("<td data-label=\"c\">3</td>"), "{html}");
    }

    mod fuzz {
        use super::*;
        use proptest::prelude::*;

        const PIECES: &[&str] = &[
            "|", "|", "---", ":--", "--:", ":-:", " ", "\n", "a", "\"", "&", "<b>", "</b>", "`x`",
            "*", "'", "\\|", "> ", "- ",
        ];

        fn markdown() -> impl Strategy<Value = String> {
            prop::collection::vec(prop::sample::select(PIECES), 0..60).prop_map(|p| p.concat())
        }

        /// The plain rendering with the cell tags this pass writes put
        /// back to pulldown-cmark's own, for comparison.
        fn normalised(html: &str) -> String {
            let mut out = String::with_capacity(html.len());
            let mut rest = html;
            while let Some(at) = rest.find("<t") {
                let (before, after) = rest.split_at(at);
                out.push_str(before);
                let is_cell = after.starts_with("<td") || after.starts_with("<th");
                let name_end = 3;
                if is_cell
                    && let Some(end) = after.find('>')
                    && matches!(after.as_bytes().get(name_end), Some(b' ' | b'>'))
                {
                    out.push_str(&after[..name_end]);
                    out.push('>');
                    rest = &after[end + 1..];
                } else {
                    out.push_str(&after[..2]);
                    rest = &after[2..];
                }
            }
            out.push_str(rest);
            out
        }

        proptest! {
            #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

            /// Labelling changes nothing but the cells' opening tags, never
            /// writes a style attribute, and every label is a quoted value
            /// with no raw quote or angle bracket in it.
            #[test]
            fn fuzz_only_cell_tags_change(text in markdown()) {
                let labelled = render(&text);
                let mut plain = String::new();
                let parser = Parser::new_ext(&text, Options::ENABLE_TABLES);
                html::push_html(&mut plain, parser);
                prop_assert_eq!(normalised(&labelled), normalised(&plain));
                for tag in labelled.split("<td").skip(1) {
                    let tag = &tag[..tag.find('>').unwrap_or(tag.len())];
                    prop_assert!(!tag.contains("style"), "{}", tag);
                    prop_assert!(!tag.contains('<') && tag.matches('"').count() % 2 == 0, "{}", tag);
                }
            }
        }
    }
}
