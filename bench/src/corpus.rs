//! A synthetic benchmark corpus: N pages of about 2 KB of Markdown each
//! (headings, lists, a table, a code block and links), written both as a
//! site of this generator and as a Hugo site over the very same Markdown
//! bodies, so both tools do comparable work.
//!
//! Two variants: [`Variant::Plain`] is pages in folders and a home page;
//! [`Variant::Sectioned`] makes each folder a dated, paginated section
//! with an Atom feed (RSS for Hugo), and tags every page, so both tools
//! also build tag listings.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Why the corpus could not be written.
#[derive(Debug, thiserror::Error)]
#[error("cannot write {}", path.display())]
pub struct CorpusError {
    /// The file or folder.
    pub path: PathBuf,
    /// The underlying error.
    #[source]
    pub source: std::io::Error,
}

/// Which corpus to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Variant {
    /// Pages in folders of 100, and a home page linking each folder.
    Plain,
    /// Each folder is a section: pages dated and tagged, listed 10 per
    /// page, with a feed; tag listings paginated the same way.
    Sectioned,
}

/// Listed pages per listing page in the sectioned variant.
pub const PAGINATE_BY: usize = 10;

/// Tags in the sectioned corpus; each page carries three of them.
const TAGS: usize = 40;

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

/// The tags of page `index` in the sectioned corpus.
fn page_tags(index: usize) -> [String; 3] {
    [0, 7, 19].map(|step| format!("tag-{:02}", (index + step) % TAGS))
}

/// The date of page `index` in the sectioned corpus: one a day.
fn page_date(index: usize) -> String {
    let days = index % 3650;
    let (year, day_of_year) = (2016 + days / 365, days % 365);
    let (month, day) = (day_of_year / 28 + 1, day_of_year % 28 + 1);
    format!("{year}-{:02}-{day:02}", month.min(12))
}

/// Which tool a page's front matter is written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    /// This generator: tags under `taxonomies:`, as Zola writes them.
    Ours,
    /// Hugo: tags at the top level.
    Hugo,
}

/// The Markdown file of page `index` (front matter included).
pub fn page_markdown(index: usize, pages: usize, variant: Variant, tool: Tool) -> String {
    let mut words = Words(0x9E37_79B9_7F4A_7C15 ^ (index as u64 + 1));
    let mut out = String::with_capacity(2300);
    let title = words.sentence(4);
    let _ = writeln!(out, "---\ntitle: \"{}\"", title.trim_end_matches('.'));
    let _ = writeln!(out, "description: \"{}\"", words.sentence(10));
    if variant == Variant::Sectioned {
        let tags = page_tags(index).join(", ");
        let _ = writeln!(out, "date: {}", page_date(index));
        match tool {
            Tool::Ours => {
                let _ = writeln!(out, "taxonomies:\n  tags: [{tags}]");
            }
            Tool::Hugo => {
                let _ = writeln!(out, "tags: [{tags}]");
            }
        }
    }
    let _ = writeln!(out, "---\n");
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
/// Hugo site) under `dir`, sharing page text.
pub fn write_corpus(dir: &Path, pages: usize, variant: Variant) -> Result<(), CorpusError> {
    let ours = dir.join("ours");
    let hugo = dir.join("hugo");
    let sectioned = variant == Variant::Sectioned;
    write(
        &ours.join("site.yaml"),
        &format!(
            "{OURS_CONFIG}{}",
            if sectioned { OURS_TAXONOMIES } else { "" }
        ),
    )?;
    write(&ours.join("_headers"), HEADERS)?;
    write(&ours.join("templates/base.html"), OURS_BASE)?;
    write(&ours.join("templates/page.html"), OURS_PAGE)?;
    write(&ours.join("static/css/site.css"), STYLESHEET)?;
    write(&ours.join("static/js/consent.js"), CONSENT_SCRIPT)?;
    write(&ours.join("static/js/analytics.js"), ANALYTICS_SCRIPT)?;
    write(
        &hugo.join("config.toml"),
        if sectioned {
            HUGO_CONFIG_SECTIONED
        } else {
            HUGO_CONFIG
        },
    )?;
    write(&hugo.join("layouts/_default/baseof.html"), HUGO_BASE)?;
    write(&hugo.join("layouts/_default/single.html"), HUGO_SINGLE)?;
    write(
        &hugo.join("layouts/_default/list.html"),
        if sectioned {
            HUGO_PAGED_LIST
        } else {
            HUGO_LIST
        },
    )?;
    write(&hugo.join("layouts/index.html"), HUGO_LIST)?;
    write(&hugo.join("static/_headers"), HEADERS)?;
    // Hugo fingerprints and computes SRI only for files under assets/.
    write(&hugo.join("assets/css/site.css"), STYLESHEET)?;
    write(&hugo.join("assets/js/consent.js"), CONSENT_SCRIPT)?;
    write(&hugo.join("assets/js/analytics.js"), ANALYTICS_SCRIPT)?;
    if sectioned {
        write(&ours.join("templates/section.html"), OURS_SECTION)?;
        write(&ours.join("templates/taxonomy_list.html"), OURS_TERMS)?;
        write(&ours.join("templates/taxonomy_single.html"), OURS_TERM)?;
        write(&hugo.join("layouts/_default/terms.html"), HUGO_TERMS)?;
        for section in 0..pages.div_ceil(PAGES_PER_SECTION) {
            let title = format!("Section {section:03}");
            write(
                &ours.join(format!("content/section-{section:03}/_index.md")),
                &format!(
                    "---\ntitle: {title}\ndescription: Pages of {title}.\nsort_by: date\npaginate_by: {PAGINATE_BY}\nfeed: true\n---\n"
                ),
            )?;
            write(
                &hugo.join(format!("content/section-{section:03}/_index.md")),
                &format!("---\ntitle: {title}\ndescription: Pages of {title}.\n---\n"),
            )?;
        }
    }
    // Both sites get a home page that links every section's first page;
    // Hugo reads a folder's list page from `_index.md`.
    let home = home_markdown(pages);
    write(&ours.join("content/index.md"), &home)?;
    write(&hugo.join("content/_index.md"), &home)?;
    for index in 0..pages {
        let (section, stem) = page_path(index);
        write(
            &ours.join(format!("content/{section}/{stem}.md")),
            &page_markdown(index, pages, variant, Tool::Ours),
        )?;
        write(
            &hugo.join(format!("content/{section}/{stem}.md")),
            &page_markdown(index, pages, variant, Tool::Hugo),
        )?;
    }
    Ok(())
}

fn write(path: &Path, text: &str) -> Result<(), CorpusError> {
    let error = |path: &Path| {
        let path = path.to_path_buf();
        move |source| CorpusError { path, source }
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(error(parent))?;
    }
    std::fs::write(path, text).map_err(error(path))
}

const OURS_CONFIG: &str = "name: Corpus\nbase_url: https://corpus.example\ncontact_email: sales@corpus.example\nadmin_prefixes: [console]\nanalytics: { enabled: true, script: /js/analytics.js, endpoint: /a/event }\n";

const OURS_TAXONOMIES: &str = "taxonomies:\n  - name: tags\n    paginate_by: 10\n";

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

const OURS_SECTION: &str = r#"{% extends "base.html" %}
{% block main %}<h1>{{ section.title }}</h1>
{% if section.feed_url %}<p><a href="{{ section.feed_url }}">Feed</a></p>{% endif %}
<ul>{% for p in paginator.pages %}<li><a href="{{ p.url }}">{{ p.title }}</a> {{ p.date }}</li>{% endfor %}</ul>
{% if paginator.previous %}<a rel="prev" href="{{ paginator.previous }}">Newer</a>{% endif %}
{% if paginator.next %}<a rel="next" href="{{ paginator.next }}">Older</a>{% endif %}
{% endblock main %}
"#;

const OURS_TERMS: &str = r#"{% extends "base.html" %}
{% block main %}<h1>{{ taxonomy.name }}</h1>
<ul>{% for term in terms %}<li><a href="{{ term.url }}">{{ term.name }}</a> ({{ term.count }})</li>{% endfor %}</ul>
{% endblock main %}
"#;

const OURS_TERM: &str = r#"{% extends "base.html" %}
{% block main %}<h1>{{ term.name }}</h1>
<ul>{% for p in paginator.pages %}<li><a href="{{ p.url }}">{{ p.title }}</a></li>{% endfor %}</ul>
{% if paginator.previous %}<a rel="prev" href="{{ paginator.previous }}">Newer</a>{% endif %}
{% if paginator.next %}<a rel="next" href="{{ paginator.next }}">Older</a>{% endif %}
{% endblock main %}
"#;

const HUGO_CONFIG_SECTIONED: &str = "baseURL = \"https://corpus.example/\"\ntitle = \"Corpus\"\n[pagination]\npagerSize = 10\n[taxonomies]\ntag = \"tags\"\n[markup.goldmark.parser]\nautoHeadingID = true\n";

const HUGO_PAGED_LIST: &str = "{{ define \"main\" }}<h1>{{ .Title }}</h1><ul>{{ range .Paginator.Pages }}<li><a href=\"{{ .RelPermalink }}\">{{ .Title }}</a> {{ .Date.Format \"2006-01-02\" }}</li>{{ end }}</ul>{{ with .Paginator.Prev }}<a rel=\"prev\" href=\"{{ .URL }}\">Newer</a>{{ end }}{{ with .Paginator.Next }}<a rel=\"next\" href=\"{{ .URL }}\">Older</a>{{ end }}{{ end }}\n";

const HUGO_TERMS: &str = "{{ define \"main\" }}<h1>{{ .Title }}</h1><ul>{{ range .Data.Terms.Alphabetical }}<li><a href=\"{{ .Page.RelPermalink }}\">{{ .Page.Title }}</a> ({{ .Count }})</li>{{ end }}</ul>{{ end }}\n";

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
        let text = page_markdown(42, 1000, Variant::Plain, Tool::Ours);
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
        assert_eq!(
            text,
            page_markdown(42, 1000, Variant::Plain, Tool::Ours),
            "deterministic"
        );
    }
}
