//! Cloudflare's `_redirects` file: one rule a line, `SOURCE DESTINATION
//! [STATUS]` separated by white space, `#` comments and blank lines
//! ignored. A line with fewer than two fields is not a rule (the host
//! skips it too).

/// One rule of a `_redirects` file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedirectRule<'a> {
    /// The path matched, as written.
    pub source: &'a str,
    /// Where it sends the visitor (or what it serves, for status 200).
    pub destination: &'a str,
    /// The status as written, when there is one.
    pub status: Option<&'a str>,
    /// Byte offset of the destination in the file.
    pub destination_offset: usize,
}

impl RedirectRule<'_> {
    /// Whether the rule matches more than one path: a splat (`*`) or a
    /// placeholder segment (`/:name`), which Cloudflare counts as dynamic.
    pub fn is_dynamic(&self) -> bool {
        self.source.contains('*') || self.source.split('/').any(|s| s.starts_with(':'))
    }

    /// Whether the destination is filled from the match (`:splat`,
    /// `:name`), so that it names no one path.
    pub fn destination_is_pattern(&self) -> bool {
        self.destination
            .split(['/', '?', '#', '.', '-', '_', '='])
            .any(|s| s.starts_with(':'))
            || self.destination.contains('*')
    }
}

/// Every rule of `text`, in order.
pub fn parse(text: &str) -> Vec<RedirectRule<'_>> {
    let mut rules = Vec::new();
    let mut line_start = 0;
    for line in text.split_inclusive('\n') {
        let offset = line_start;
        line_start += line.len();
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let mut fields = trimmed.split_ascii_whitespace();
        let (Some(source), Some(destination)) = (fields.next(), fields.next()) else {
            continue;
        };
        // The destination is the second field: after the source and the
        // white space that follows it.
        let after_source = &trimmed[source.len()..];
        let destination_at = source.len() + (after_source.len() - after_source.trim_start().len());
        rules.push(RedirectRule {
            source,
            destination,
            status: fields.next(),
            destination_offset: offset + (line.len() - trimmed.len()) + destination_at,
        });
    }
    rules
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn rules_comments_and_short_lines() {
        let text = "# c\n/a /b 301\n  /c\thttps://x.example/  302\n/lonely\n\n/s/* /t/:splat\n";
        let rules = parse(text);
        assert_eq!(rules.len(), 3);
        assert_eq!(rules[0].status, Some("301"));
        assert_eq!(&text[rules[1].destination_offset..][..3], "htt");
        assert!(!rules[0].is_dynamic());
        assert!(rules[2].is_dynamic());
        assert!(rules[2].destination_is_pattern());
    }

    proptest! {
        #![proptest_config(crate::fuzz::config())]

        /// Every rule's destination offset points at the destination, and
        /// no field holds white space.
        #[test]
        fn fuzz_destination_offsets(text in "([ \t]{0,2}[/a-z:*#]{0,6}([ \t]{1,2}[/a-z:*]{1,6}){0,3}\r?\n){0,8}") {
            for rule in parse(&text) {
                prop_assert!(text[rule.destination_offset..].starts_with(rule.destination));
                prop_assert!(!rule.source.contains(char::is_whitespace));
                prop_assert!(!rule.destination.contains(char::is_whitespace));
            }
        }
    }
}
