//! A synthetic benchmark corpus: N pages of about 2 KB of Markdown each
//! (headings, lists, a table, a code block and links), written both as a
//! site of this generator and as a Hugo site over the very same Markdown
//! files, so both tools do comparable work.

use std::fmt::Write as _;
use std::path::Path;

use crate::error::Error;

/// Pages per section folder; keeps folders at a realistic size.
pub const PAGES_PER_SECTION: usize = 100;

const WORDS: [&str; 48] = [
    "instance",
    "bay",
    "store",
    "named",
    "product",
    "operator",
    "console",
    "lead",
    "security",
    "header",
    "policy",
    "asset",
    "bundle",
    "static",
    "worker",
    "consent",
    "analytics",
    "beacon",
    "origin",
    "sitemap",
    "route",
    "template",
    "markdown",
    "render",
    "deploy",
    "region",
    "backup",
    "restore",
    "audit",
    "access",
    "token",
    "session",
    "cache",
    "immutable",
    "fingerprint",
    "script",
    "style",
    "form",
    "contact",
    "pricing",
    "sandbox",
    "checkout",
    "privacy",
    "retention",
    "purge",
    "evidence",
    "claim",
    "register",
];

/// A small deterministic generator, so every run builds the same corpus.
struct Words(u64);

impl Words {
    fn next(&mut self) -> &'static str {
        // xorshift64: fast, deterministic, good enough for filler text.
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        WORDS[(self.0 % WORDS.len() as u64) as usize]
    }

    fn sentence(&mut self, words: usize) -> String {
        let mut text = String::with_capacity(words * 8);
        for index in 0..words {
            let word = self.next();
            if index == 0 {
                let mut chars = word.chars();
                if let Some(first) = chars.next() {
                    text.extend(first.to_uppercase());
                    text.push_str(chars.as_str());
                }
            } else {
                text.push(' ');
                text.push_str(word);
            }
        }
        text.push('.');
        text
    }
}

/// Site path of page `index` (section folder and file stem).
fn page_path(index: usize) -> (String, String) {
    (
        format!("section-{:03}", index / PAGES_PER_SECTION),
        format!("page-{index:05}"),
    )
}

/// The Markdown file of page `index` (front matter included).
pub fn page_markdown(index: usize, pages: usize) -> String {
    let mut words = Words(0x9E37_79B9_7F4A_7C15 ^ (index as u64 + 1));
    let mut out = String::with_capacity(2300);
    let title = words.sentence(4);
    let _ = writeln!(out, "---\ntitle: \"{}\"", title.trim_end_matches('.'));
    let _ = writeln!(out, "description: \"{}\"\n---\n", words.sentence(10));
    let _ = writeln!(out, "# {}\n", title.trim_end_matches('.'));
    let _ = writeln!(
        out,
        "{} {} {}\n",
        words.sentence(14),
        words.sentence(12),
        words.sentence(9)
    );
    let _ = writeln!(out, "## {}\n", words.sentence(3).trim_end_matches('.'));
    for _ in 0..5 {
        let _ = writeln!(out, "- {}", words.sentence(7));
    }
    let _ = writeln!(out);
    for step in 1..=3 {
        let _ = writeln!(out, "{step}. {}", words.sentence(6));
    }
    let _ = writeln!(out, "\n## {}\n", words.sentence(2).trim_end_matches('.'));
    let _ = writeln!(out, "| Setting | Value | Notes |\n|---|---|---|");
    for row in 0..5 {
        let _ = writeln!(
            out,
            "| {} | {} | {} |",
            words.next(),
            row * 10,
            words.sentence(4)
        );
    }
    let _ = writeln!(
        out,
        "\n```rust\nfn {}() -> usize {{\n    let value = {index};\n    value + 1\n}}\n```\n",
        words.next()
    );
    let _ = writeln!(out, "### {}\n", words.sentence(3).trim_end_matches('.'));
    let _ = writeln!(out, "{} {}\n", words.sentence(16), words.sentence(11));
    let links: Vec<String> = [1, 7, 31]
        .iter()
        .map(|step| {
            let (section, stem) = page_path((index + step) % pages.max(1));
            format!("[{}](/{section}/{stem}/)", words.next())
        })
        .collect();
    let _ = writeln!(
        out,
        "See also {}, {} and {}. **{}** _{}_ `{}`.",
        links[0],
        links[1],
        links[2],
        words.next(),
        words.next(),
        words.next()
    );
    out
}

/// The home page: a title and a link to the first page of each section.
pub fn home_markdown(pages: usize) -> String {
    let mut out = String::from(
        "---\ntitle: Corpus\ndescription: Benchmark corpus home.\n---\n\n# Corpus\n\n",
    );
    for first in (0..pages).step_by(PAGES_PER_SECTION) {
        let (section, stem) = page_path(first);
        let _ = writeln!(out, "- [{section}](/{section}/{stem}/)");
    }
    out
}

/// Writes the corpus: `ours/` (a site of this generator) and `hugo/` (a
/// Hugo site) under `dir`, sharing page text. Returns nothing; fails on I/O.
pub fn write_corpus(dir: &Path, pages: usize) -> Result<(), Error> {
    let ours = dir.join("ours");
    let hugo = dir.join("hugo");
    write(&ours.join("site.yaml"), OURS_CONFIG)?;
    write(&ours.join("_headers"), HEADERS)?;
    write(&ours.join("templates/base.html"), OURS_BASE)?;
    write(&ours.join("templates/page.html"), OURS_PAGE)?;
    write(&ours.join("static/css/site.css"), STYLESHEET)?;
    write(&ours.join("static/js/consent.js"), CONSENT_SCRIPT)?;
    write(&ours.join("static/js/analytics.js"), ANALYTICS_SCRIPT)?;
    write(&hugo.join("config.toml"), HUGO_CONFIG)?;
    write(&hugo.join("layouts/_default/baseof.html"), HUGO_BASE)?;
    write(&hugo.join("layouts/_default/single.html"), HUGO_SINGLE)?;
    write(&hugo.join("layouts/_default/list.html"), HUGO_LIST)?;
    write(&hugo.join("layouts/index.html"), HUGO_LIST)?;
    write(&hugo.join("static/_headers"), HEADERS)?;
    // Hugo fingerprints and computes SRI only for files under assets/.
    write(&hugo.join("assets/css/site.css"), STYLESHEET)?;
    write(&hugo.join("assets/js/consent.js"), CONSENT_SCRIPT)?;
    write(&hugo.join("assets/js/analytics.js"), ANALYTICS_SCRIPT)?;
    // Both sites get a home page that links every section's first page;
    // Hugo reads a folder's list page from `_index.md`.
    let home = home_markdown(pages);
    write(&ours.join("content/index.md"), &home)?;
    write(&hugo.join("content/_index.md"), &home)?;
    for index in 0..pages {
        let (section, stem) = page_path(index);
        let text = page_markdown(index, pages);
        write(&ours.join(format!("content/{section}/{stem}.md")), &text)?;
        write(&hugo.join(format!("content/{section}/{stem}.md")), &text)?;
    }
    Ok(())
}

fn write(path: &Path, text: &str) -> Result<(), Error> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| Error::io("cannot create folder", parent, e))?;
    }
    std::fs::write(path, text).map_err(|e| Error::io("cannot write", path, e))
}

const OURS_CONFIG: &str = "name: Corpus\nbase_url: https://corpus.example\ncontact_email: sales@corpus.example\nadmin_prefixes: [console]\nanalytics: { enabled: true, script: /js/analytics.js, endpoint: /a/event }\n";

const HEADERS: &str = "/*\n  Content-Security-Policy: default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'; object-src 'none'; manifest-src 'self'\n  Strict-Transport-Security: max-age=31536000; includeSubDomains\n  X-Content-Type-Options: nosniff\n  Referrer-Policy: strict-origin-when-cross-origin\n  Permissions-Policy: camera=(), microphone=(), geolocation=()\n  Cross-Origin-Opener-Policy: same-origin\n\n/assets/*\n  Cache-Control: public, max-age=31536000, immutable\n";

const OURS_BASE: &str = r#"<!doctype html>
<html lang="{{ site.language }}">
<head>
<meta charset="utf-8">
<title>{{ page.title }} | {{ site.name }}</title>
<meta name="description" content="{{ page.description }}">
<link rel="canonical" href="{{ page.permalink }}">
<link rel="stylesheet" href="/css/site.css">
<script src="/js/consent.js" defer data-analytics-src="{{ site.analytics.script }}" data-analytics-endpoint="{{ site.analytics.endpoint }}" data-consent-revision="{{ site.consent_revision }}"></script>
</head>
<body>
<header><a href="/">{{ site.name }}</a></header>
<main>{% block main %}{% endblock main %}</main>
<footer><a href="mailto:{{ site.contact_email }}">{{ site.contact_email }}</a></footer>
</body>
</html>
"#;

const OURS_PAGE: &str = r#"{% extends "base.html" %}
{% block main %}<article>{{ page.content | safe }}</article>{% endblock main %}
"#;

const HUGO_CONFIG: &str = "baseURL = \"https://corpus.example/\"\ntitle = \"Corpus\"\ndisableKinds = [\"taxonomy\", \"term\", \"RSS\"]\n[markup.goldmark.parser]\nautoHeadingID = true\n";

const HUGO_BASE: &str = r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{{ .Title }} | {{ .Site.Title }}</title>
<meta name="description" content="{{ .Description }}">
<link rel="canonical" href="{{ .Permalink }}">
{{ $css := resources.Get "css/site.css" | fingerprint "sha384" }}{{ $consent := resources.Get "js/consent.js" | fingerprint "sha384" }}{{ $analytics := resources.Get "js/analytics.js" | fingerprint "sha384" }}
<link rel="stylesheet" href="{{ $css.RelPermalink }}" integrity="{{ $css.Data.Integrity }}">
<script src="{{ $consent.RelPermalink }}" integrity="{{ $consent.Data.Integrity }}" defer data-analytics-src="{{ $analytics.RelPermalink }}" data-analytics-integrity="{{ $analytics.Data.Integrity }}" data-analytics-endpoint="/a/event" data-consent-revision="1"></script>
</head>
<body>
<header><a href="/">{{ .Site.Title }}</a></header>
<main>{{ block "main" . }}{{ end }}</main>
<footer><a href="mailto:sales@corpus.example">sales@corpus.example</a></footer>
</body>
</html>
"#;

const HUGO_SINGLE: &str = "{{ define \"main\" }}<article>{{ .Content }}</article>{{ end }}\n";

const HUGO_LIST: &str = "{{ define \"main\" }}<ul>{{ range .Pages }}<li><a href=\"{{ .RelPermalink }}\">{{ .Title }}</a></li>{{ end }}</ul>{{ end }}\n";

const STYLESHEET: &str = "body { font: 16px/1.5 system-ui, sans-serif; margin: 0 auto; max-width: 48rem; }\ntable { border-collapse: collapse; }\ntd, th { border: 1px solid #ccc; padding: .25rem .5rem; }\n";

const CONSENT_SCRIPT: &str = "// Consent loader placeholder for the benchmark corpus.\ndocument.documentElement.dataset.consent = \"pending\";\n";

const ANALYTICS_SCRIPT: &str = "// Analytics placeholder for the benchmark corpus.\nfetch(\"/a/event\", { method: \"POST\", credentials: \"omit\", keepalive: true, body: \"{}\" });\n";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_about_two_kilobytes_with_the_required_blocks() {
        let text = page_markdown(42, 1000);
        assert!((1500..=2600).contains(&text.len()), "{} bytes", text.len());
        for needle in [
            "\n# ",
            "\n## ",
            "\n- ",
            "\n1. ",
            "|---|",
            "```rust",
            "](/section-",
        ] {
            assert!(text.contains(needle), "missing {needle:?}");
        }
        assert_eq!(text, page_markdown(42, 1000), "deterministic");
    }
}
