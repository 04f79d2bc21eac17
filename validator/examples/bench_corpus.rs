//! Writes a synthetic bundle for benchmarking the validator: one page per
//! number (`docs/page-00001/index.html` …), each about 7 KB of HTML with
//! headings, lists, a table, a code block and links to other pages, plus
//! the assets, `_headers` and `sitemap.xml` a generated site ships.
//!
//! Usage: `cargo run --release -p bundle-validator --example bench_corpus -- OUT_DIR [PAGES]`

use std::fmt::Write as _;
use std::path::Path;

use base64::Engine;
use sha2::{Digest, Sha256, Sha384};

const ORIGIN: &str = "https://baystore.example";
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'; object-src 'none'; manifest-src 'self'";

fn fingerprint(stem: &str, ext: &str, bytes: &[u8]) -> String {
    let hex: String = Sha256::digest(bytes)
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("assets/{stem}.{hex}.{ext}")
}

fn integrity(bytes: &[u8]) -> String {
    format!(
        "sha384-{}",
        base64::engine::general_purpose::STANDARD.encode(Sha384::digest(bytes))
    )
}

fn write(root: &Path, relative: &str, contents: &[u8]) -> std::io::Result<()> {
    let path = root.join(relative);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(path, contents)
}

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let out = args.next().expect("usage: bench_corpus OUT_DIR [PAGES]");
    let pages: usize = args
        .next()
        .map_or(10_000, |n| n.parse().expect("PAGES is a number"));
    let root = Path::new(&out);

    let css = b"body { font-family: system-ui, sans-serif; margin: 0 auto; max-width: 48rem; }\ntable { border-collapse: collapse; }\n.visually-hidden { position: absolute; left: -10000px; }\n";
    let consent = b"(function () {\n  var banner = document.getElementById('consent-banner');\n  if (banner) { banner.hidden = false; }\n})();\n";
    let analytics = b"fetch(document.currentScript.dataset.endpoint, {method: 'POST', credentials: 'omit', keepalive: true});\n";
    let css_path = fingerprint("site", "css", css);
    let consent_path = fingerprint("consent", "js", consent);
    let analytics_path = fingerprint("analytics", "js", analytics);
    write(root, &css_path, css)?;
    write(root, &consent_path, consent)?;
    write(root, &analytics_path, analytics)?;
    write(
        root,
        "_headers",
        format!(
            "/*\n  Content-Security-Policy: {CSP}\n  Strict-Transport-Security: max-age=31536000; includeSubDomains\n  X-Content-Type-Options: nosniff\n  Referrer-Policy: strict-origin-when-cross-origin\n  Permissions-Policy: camera=(), microphone=(), geolocation=()\n  Cross-Origin-Opener-Policy: same-origin\n\n/assets/*\n  Cache-Control: public, max-age=31536000, immutable\n"
        )
        .as_bytes(),
    )?;

    let head = format!(
        "<link rel=\"stylesheet\" href=\"/{css_path}\" integrity=\"{}\">\n<script src=\"/{consent_path}\" integrity=\"{}\" defer data-analytics-src=\"/{analytics_path}\" data-analytics-integrity=\"{}\" data-analytics-endpoint=\"/a/event\" data-consent-revision=\"1\"></script>\n",
        integrity(css),
        integrity(consent),
        integrity(analytics)
    );
    let page_path = |n: usize| format!("docs/page-{n:05}/");
    let mut sitemap = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for n in 0..=pages {
        let path = if n == 0 { String::new() } else { page_path(n) };
        let _ = writeln!(sitemap, "<url><loc>{ORIGIN}/{path}</loc></url>");
        let mut body = String::with_capacity(8 * 1024);
        let _ = writeln!(
            body,
            "<h1 id=\"top-heading\">Page {n}: running named instances</h1>"
        );
        for section in 1..=4 {
            let next = n % pages + 1;
            let other = (n * 7 + section) % pages + 1;
            let _ = write!(
                body,
                "<h2 id=\"section-{section}\">Section {section}</h2>\n<p>Instances in this section keep their own settings, and operators change them through the product, \
                 never through this site. See <a href=\"/{}\">the next page</a>, <a href=\"/{}#section-2\">a related section</a> and \
                 <a href=\"#section-{section}\">this section</a>. Text keeps going to give the page the weight of a real article about \
                 provisioning, backups, limits and the way upgrades roll out across regions.</p>\n<ul>\n<li>Provisioning in minutes</li>\n<li>Daily backups kept for thirty days</li>\n<li>Upgrades during the maintenance window</li>\n</ul>\n",
                page_path(next),
                page_path(other)
            );
            body.push_str("<table>\n<thead><tr><th>Plan</th><th>Instances</th><th>Support</th></tr></thead>\n<tbody><tr><td>Starter</td><td>1</td><td>E-mail</td></tr><tr><td>Team</td><td>5</td><td>E-mail and chat</td></tr></tbody>\n</table>\n");
            body.push_str("<pre><code>instance create --name shop --region eu\ninstance backup --name shop\n</code></pre>\n");
        }
        let html = format!(
            "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Page {n}</title>\n<link rel=\"canonical\" href=\"{ORIGIN}/{path}\">\n{head}</head>\n<body>\n<nav><a href=\"/\">Home</a> <a href=\"/{}\">First page</a></nav>\n<main>\n{body}</main>\n<section id=\"consent-banner\" class=\"consent\" hidden aria-label=\"Privacy choices\">\n<button type=\"button\" data-consent=\"accept\">Accept analytics</button>\n<button type=\"button\" data-consent=\"reject\">Reject analytics</button>\n</section>\n<footer><button type=\"button\" class=\"privacy-settings\" data-consent-open hidden>Privacy settings</button></footer>\n</body>\n</html>\n",
            page_path(1)
        );
        write(root, &format!("{path}index.html"), html.as_bytes())?;
    }
    sitemap.push_str("</urlset>\n");
    write(root, "sitemap.xml", sitemap.as_bytes())?;
    Ok(())
}
