//! What `verify` fetches: the pages of the bundle (or of its sitemap) at
//! the URLs Workers Static Assets serve them at, every file of the bundle
//! those pages and their stylesheets reference, and the Worker routes to
//! probe.
//!
//! URLs are resolved with the validator's own machinery (`url_norm` for
//! what a reference points at, `Site::resolve` and `site::routes` for the
//! file a URL path is served from), so `verify` and `check` agree on what
//! a page links to.

use std::collections::{BTreeMap, BTreeSet};

use crate::bundle;
use crate::config::Config;
use crate::css;
use crate::decode;
use crate::html;
use crate::rules;
use crate::site::{self, Site};
use crate::url_norm::Target as UrlTarget;

/// Where the pages to fetch come from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum PageSource {
    /// Every HTML file of the bundle.
    #[default]
    Bundle,
    /// Every `<loc>` of the bundle's `sitemap.xml` that a bundle file
    /// serves.
    Sitemap,
}

/// What a fetched URL is expected to serve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Page,
    Asset,
}

/// One URL path to fetch and the bundle file it must serve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Fetch {
    /// The URL path, percent-decoded, starting with `/`.
    pub path: String,
    /// Index of the bundle file in `Site::paths`.
    pub file: usize,
    pub kind: Kind,
}

/// Everything one verification requests.
#[derive(Debug, Default)]
pub(crate) struct Plan {
    pub fetches: Vec<Fetch>,
    /// URL paths of Worker routes, probed with a `GET`.
    pub probes: Vec<String>,
}

/// The plan for `site`: `sitemap` is the text of its `sitemap.xml`.
pub(crate) fn plan(
    site: &Site,
    config: &Config,
    source: PageSource,
    sitemap: Option<&str>,
) -> Plan {
    let mut pages: BTreeMap<String, usize> = BTreeMap::new();
    match source {
        PageSource::Bundle => {
            for (index, path) in site.paths.iter().enumerate() {
                if bundle::is_html_path(path)
                    && let Some(route) = site::routes(path).into_iter().next()
                {
                    pages.insert(route, index);
                }
            }
        }
        PageSource::Sitemap => {
            for (_, loc) in sitemap.map(rules::sitemap::locations).unwrap_or_default() {
                if let UrlTarget::SameOrigin { path, .. } = site.origins.classify(&loc, "/")
                    && let Some(file) = site.resolve(&path)
                {
                    pages.insert(path, file);
                }
            }
        }
    }
    let mut assets: BTreeMap<String, usize> = BTreeMap::new();
    let mut probes: BTreeSet<String> = BTreeSet::new();
    let mut stylesheets: Vec<(String, usize)> = Vec::new();
    let note = |path: String, probes: &mut BTreeSet<String>, assets: &mut BTreeMap<_, _>| {
        if !site.worker_routes.is_empty() && site.worker_routes.is_match(path.as_str()) {
            probes.insert(path);
        } else if let Some(file) = site.resolve(&path)
            && !bundle::is_html_path(&site.paths[file])
        {
            assets.entry(path).or_insert(file);
        }
    };
    for (route, &file) in &pages {
        let Some(text) = read_text(site, file) else {
            continue;
        };
        let page = html::parse(&text);
        let on = site.origins.page(route);
        let mut values: Vec<&str> = rules::page_urls(&page, |_| UrlTarget::Invalid)
            .iter()
            .map(|reference| reference.url)
            .collect();
        // A same-origin path may sit in any attribute (the consent
        // loader's `data-analytics-src`, the beacon's endpoint): every
        // value that names a bundle file or a Worker route counts.
        values.extend(
            page.elements
                .iter()
                .flat_map(|element| element.attrs.iter())
                .map(|attr| &*attr.value)
                .filter(|value| value.starts_with('/') || value.starts_with("http")),
        );
        for value in values {
            if let UrlTarget::SameOrigin { path, .. } = site.origins.classify_on(value, &on) {
                note(path, &mut probes, &mut assets);
            }
        }
    }
    for (path, &file) in &assets {
        if matches!(
            bundle::classify(&site.paths[file]),
            bundle::FileKind::Stylesheet
        ) {
            stylesheets.push((path.clone(), file));
        }
    }
    for (path, file) in stylesheets {
        let Some(text) = read_text(site, file) else {
            continue;
        };
        let on = site.origins.page(&path);
        for reference in css::urls(&text) {
            if let UrlTarget::SameOrigin { path, .. } =
                site.origins.classify_on(&reference.url, &on)
            {
                note(path, &mut probes, &mut assets);
            }
        }
    }
    if let Some(form) = &config.lead_form
        && let UrlTarget::SameOrigin { path, .. } = site.origins.classify(&form.action, "/")
    {
        probes.insert(path);
    }
    probes.extend(
        config
            .worker_routes
            .iter()
            .filter_map(|route| route.literal())
            .map(str::to_string),
    );
    let mut fetches: Vec<Fetch> = pages
        .into_iter()
        .map(|(path, file)| Fetch {
            path,
            file,
            kind: Kind::Page,
        })
        .collect();
    fetches.extend(assets.into_iter().map(|(path, file)| Fetch {
        path,
        file,
        kind: Kind::Asset,
    }));
    Plan {
        fetches,
        probes: probes.into_iter().collect(),
    }
}

/// A bundle file decoded as the scan decodes it; `None` when it cannot be
/// read under the size cap (which `check` reports).
pub(crate) fn read_text(site: &Site, file: usize) -> Option<String> {
    let bytes = read_bytes(site, file)?;
    let path = &site.paths[file];
    let syntax = bundle::classify(path).syntax(path);
    Some(decode::decode(bytes, syntax).text)
}

/// A bundle file's bytes under the size cap.
pub(crate) fn read_bytes(site: &Site, file: usize) -> Option<Vec<u8>> {
    bundle::read_capped(&site.disk_path(file), site.max_file_bytes).ok()
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn write(root: &Path, path: &str, text: &str) {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    fn bundle() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(
            root,
            "index.html",
            "<link rel=stylesheet href=/assets/site.css>\
             <script src=\"assets/app.js\" data-analytics-src=\"/assets/analytics.js\" \
             data-analytics-endpoint=\"/a/event\"></script>\
             <img srcset=\"/img/a.png 1x, https://site.example/img/b.png 2x\">\
             <a href=\"/about\">About</a><a href=\"https://elsewhere.example/x.css\">x</a>",
        );
        write(root, "about.html", "<p>About</p>");
        write(root, "blog/index.html", "<p>Blog</p>");
        write(
            root,
            "assets/site.css",
            "body { background: url(../img/bg.png) } @import '/assets/more.css';",
        );
        write(root, "assets/more.css", "p { color: red }");
        for file in [
            "assets/app.js",
            "assets/analytics.js",
            "img/a.png",
            "img/b.png",
            "img/bg.png",
            "img/unused.png",
        ] {
            write(root, file, "x");
        }
        write(
            root,
            "sitemap.xml",
            "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\
             <url><loc>https://site.example/blog/</loc></url></urlset>",
        );
        dir
    }

    fn config() -> Config {
        Config::parse(
            "site_origin: https://site.example\nlead_form:\n  action: /lead\n\
             worker_routes: [/lead, /a/*, /api/*]\n",
            Path::new("validator.yaml"),
        )
        .unwrap()
    }

    fn planned(source: PageSource) -> (Vec<(String, String, Kind)>, Vec<String>) {
        let dir = bundle();
        let config = config();
        let opened = crate::open(dir.path(), &config).unwrap();
        let plan = plan(
            &opened.site,
            &config,
            source,
            opened.sitemap_text.as_deref(),
        );
        let fetches = plan
            .fetches
            .iter()
            .map(|f| (f.path.clone(), opened.site.paths[f.file].clone(), f.kind))
            .collect();
        (fetches, plan.probes)
    }

    #[test]
    fn pages_at_their_routes_and_every_file_they_reference() {
        let (fetches, probes) = planned(PageSource::Bundle);
        let expected: Vec<(String, String, Kind)> = [
            ("/", "index.html", Kind::Page),
            ("/about", "about.html", Kind::Page),
            ("/blog/", "blog/index.html", Kind::Page),
            ("/assets/analytics.js", "assets/analytics.js", Kind::Asset),
            ("/assets/app.js", "assets/app.js", Kind::Asset),
            ("/assets/more.css", "assets/more.css", Kind::Asset),
            ("/assets/site.css", "assets/site.css", Kind::Asset),
            ("/img/a.png", "img/a.png", Kind::Asset),
            ("/img/b.png", "img/b.png", Kind::Asset),
            ("/img/bg.png", "img/bg.png", Kind::Asset),
        ]
        .into_iter()
        .map(|(path, file, kind)| (path.to_string(), file.to_string(), kind))
        .collect();
        assert_eq!(fetches, expected);
        // The lead form's action, the literal route, and the endpoint a
        // page names under `/a/*`; `/api/*` is named by nothing.
        assert_eq!(probes, vec!["/a/event".to_string(), "/lead".to_string()]);
    }

    #[test]
    fn pages_can_come_from_the_sitemap() {
        let (fetches, _) = planned(PageSource::Sitemap);
        let pages: Vec<&str> = fetches
            .iter()
            .filter(|(_, _, kind)| *kind == Kind::Page)
            .map(|(path, _, _)| path.as_str())
            .collect();
        assert_eq!(pages, vec!["/blog/"]);
    }
}
