//! Scanning one file: read it once, parse it once, run every rule that
//! applies to its kind, and return its findings plus the facts that other
//! files' findings depend on.

use std::collections::{HashMap, HashSet};

use crate::Finding;
use crate::bundle::{self, FileKind};
use crate::coverage::FileTally;
use crate::emit::{FileFindings, Message};
use crate::html::{self, Page};
use crate::load;
use crate::rules::{self, UrlRef};
use crate::site::{RoutePolicies, Site, routes};
use crate::suppress::{self, InlineSuppression};
use crate::url_norm::Target;

/// What the rules see of one HTML page.
pub struct PageContext<'a> {
    pub site: &'a Site,
    pub file: usize,
    /// Path relative to the bundle root.
    pub path: &'a str,
    /// The file's own URL path (`/a/index.html`), the base for relative URLs.
    pub url_path: String,
    /// The page's own URL, the base for relative URLs.
    pub page_url: url::Url,
    pub page: &'a Page<'a>,
    /// Every URL on the page, classified once.
    pub urls: Vec<UrlRef<'a>>,
    /// Whether the page is itself an admin surface.
    pub is_admin: bool,
    /// An SVG file rather than an HTML page. Its scripts, handlers and
    /// links act when it is opened directly or framed, so those rules
    /// apply; it is not a route that needs its own policy or robots tag,
    /// and its `<style>` and `style=` are presentation (a page's CSP does
    /// not govern an SVG shown as an image).
    pub svg: bool,
    /// The enforced CSP of the page's route, from `_headers`.
    pub policies: RoutePolicies,
}

impl PageContext<'_> {
    /// Classifies a URL found on this page.
    pub fn classify(&self, raw: &str) -> Target {
        self.site.origins.classify_on(raw, &self.page_url)
    }
}

/// A finding that holds only if something about another file is true.
///
/// It keeps only the offset and the message: nearly every pending finding
/// is dropped once the other file is known, so its line, column and
/// snippet are worked out only for the few that hold (see
/// [`crate::check`]).
#[derive(Clone)]
pub enum Pending {
    /// The page references `path`; an error if `path` is a gated
    /// analytics script.
    GatedReference {
        path: String,
        offset: usize,
        message: Message,
    },
    /// The page links `fragment` on the page in file `target`; an error if
    /// that page has no such anchor.
    Fragment {
        target: usize,
        fragment: String,
        offset: usize,
        message: Message,
    },
}

impl Pending {
    /// Where in the page the finding points, and what it says.
    pub fn located(&self) -> (usize, &Message) {
        match self {
            Pending::GatedReference {
                offset, message, ..
            }
            | Pending::Fragment {
                offset, message, ..
            } => (*offset, message),
        }
    }
}

/// Facts about one HTML page (or script file) that other checks need.
#[derive(Default, Clone)]
pub struct PageFacts {
    pub file: usize,
    pub anchors: HashSet<String>,
    /// The page asks not to be indexed (`<meta name="robots">`).
    pub noindex: bool,
    /// Normalised paths of gated analytics scripts this page's consent
    /// loader names.
    pub gated: Vec<String>,
    /// Normalised paths of the consent loaders this page includes (the
    /// scripts carrying `data-analytics-src`): the one kind of script that
    /// may load the gated analytics script.
    pub consent_loaders: Vec<String>,
    pub pending: Vec<Pending>,
    /// How many of `pending` are fragment links.
    pub fragments_pending: usize,
    /// Fragment links to other pages past the per-rule cap, by target
    /// file and fragment, with how many links there are to each: only
    /// their number is reported, so neither offsets nor messages are kept.
    pub more_fragments: HashMap<(usize, String), usize>,
}

/// The outcome of scanning one file.
#[derive(Clone)]
pub struct FileOutcome {
    pub findings: Vec<Finding>,
    pub facts: Option<PageFacts>,
    /// The inline suppression markers of the file, applied once every
    /// rule has run.
    pub suppressions: Vec<InlineSuppression>,
    /// What the rules examined in the file.
    pub tally: FileTally,
    /// The file was read and every rule ran to the end: only such an
    /// outcome may be remembered for the next check.
    pub complete: bool,
}

const SYMLINK_HELP: &str = "Replace the link with the file it points to, or remove it; links are not followed out of the bundle.";
const SPECIAL_HELP: &str = "Remove it: a static bundle holds only regular files and folders.";
const FOLDER_HELP: &str = "Make the folder readable, or remove it from the bundle.";

/// The finding for an entry the listing could not treat as a plain,
/// well-named file. A link is not followed, so whatever it points to is
/// unchecked, and a deploy that follows it would ship it; a pipe, socket
/// or device is never opened (reading a pipe would wait for a writer):
/// each is an error, as any file the gate could not read.
pub fn unlisted_finding(entry: &bundle::Unlisted) -> Finding {
    use bundle::EntryProblem;
    let mut out = FileFindings::new(&entry.path, "");
    let special =
        |what: &str| crate::load::unscanned(format!("{what}, which is never opened"), SPECIAL_HELP);
    let message = match &entry.problem {
        EntryProblem::Symlink => Message::error(
            "secret/unscanned-file",
            "symbolic link, not followed: what it points to was not checked",
            SYMLINK_HELP,
        ),
        EntryProblem::Fifo => special("a named pipe (FIFO)"),
        EntryProblem::Socket => special("a socket"),
        EntryProblem::BlockDevice => special("a block device"),
        EntryProblem::CharDevice => special("a character device"),
        EntryProblem::OtherType => special("not a regular file, folder or link"),
        EntryProblem::UnreadableFolder(reason) => crate::load::unscanned(
            format!("a folder whose entries cannot all be listed ({reason})"),
            FOLDER_HELP,
        ),
        EntryProblem::UnreadableEntry(reason) => crate::load::unscanned(
            format!("an entry whose type cannot be read ({reason})"),
            FOLDER_HELP,
        ),
        EntryProblem::NonUtf8Name => rules::encoding::non_utf8_name(),
    };
    out.whole_file(message);
    out.into_findings().swap_remove(0)
}

/// Turns messages at byte offsets of file number `index` into findings,
/// reading the file again. Used for the pending findings that held: the
/// file's secrets are masked in their snippets exactly as in the first
/// scan.
pub fn locate_again(
    site: &Site,
    index: usize,
    messages: Vec<(usize, Message)>,
    omitted_fragments: usize,
) -> Vec<Finding> {
    let path = site.paths[index].as_str();
    let loaded = load::load(site, index);
    let text = loaded.text.as_deref().unwrap_or("");
    let mut out = FileFindings::new(path, text);
    out.mask_secrets(rules::secret::scan(text).iter().map(|d| d.start..d.end));
    for (offset, message) in messages {
        out.at(offset, message);
    }
    out.omitted(
        "link/broken-fragment",
        crate::Severity::Error,
        rules::link::FRAGMENT_HELP,
        omitted_fragments,
    );
    out.into_findings()
}

/// Scans file number `index` of the bundle.
pub fn scan_file(site: &Site, index: usize) -> FileOutcome {
    let path = site.paths[index].as_str();
    let loaded = load::load(site, index);
    let Some(text) = loaded.text.as_deref() else {
        let mut out = FileFindings::new(path, "");
        for (_, message) in loaded.problems {
            out.whole_file(message);
        }
        return FileOutcome {
            findings: out.into_findings(),
            facts: None,
            suppressions: Vec::new(),
            tally: FileTally::default(),
            complete: false,
        };
    };
    let kind = loaded.kind;
    // Rules resolve URLs from where the content is served: a compressed
    // copy stands for the file it unpacks to, while its findings name the
    // copy itself.
    let served = loaded.served_as.as_str();
    let mut out = FileFindings::new(path, text);
    let secrets = rules::secret::scan(text);
    out.examine(&rules::secret::CATEGORY);
    // The file decoded to one certain text; the problems of how it did
    // are the encoding rule's findings.
    out.examine(&rules::encoding::CATEGORY);
    out.mask_secrets(secrets.iter().map(|d| d.start..d.end));
    for (offset, message) in loaded.problems {
        match offset {
            Some(offset) => out.at(offset, message),
            None => out.whole_file(message),
        }
    }
    for detection in &secrets {
        out.detection(0, detection, true);
    }
    // Hosts count where a browser would load them; pages are judged on
    // their parse below.
    if !matches!(kind, FileKind::Html | FileKind::Svg) {
        let place = rules::hosts::where_loaded(kind, served);
        let hosts = rules::hosts::loaded(text, rules::hosts::find(text), place);
        rules::consent::check_hosts(&hosts, &mut out);
        rules::payment::check_hosts(&hosts, &mut out);
    }
    let mut facts = None;
    let mut suppressions = Vec::new();
    match kind {
        FileKind::Html | FileKind::Svg => {
            // SVG and XHTML documents are read by the browser's XML parser.
            let page = if kind.syntax(served) == crate::decode::Syntax::Xml {
                html::parse_xml(text)
            } else {
                html::parse(text)
            };
            let hosts = rules::hosts::loaded_in_page(&page, text, rules::hosts::find(text));
            rules::consent::check_hosts(&hosts, &mut out);
            rules::payment::check_hosts(&hosts, &mut out);
            // Only pages parsed as HTML honour `<meta>`; XHTML and SVG are
            // parsed as XML, which ignores it.
            if kind.syntax(served) == crate::decode::Syntax::Html
                && let Some((encoding, basis)) = &loaded.decoding
            {
                rules::encoding::check_page_declarations(&page, encoding, basis, &mut out);
            }
            let url_path = format!("/{served}");
            let route = routes(served)
                .into_iter()
                .next()
                .unwrap_or_else(|| url_path.clone());
            let page_url = site.origins.page(&url_path);
            let urls = rules::page_urls(&page, |url| site.origins.classify_on(url, &page_url));
            let ctx = PageContext {
                site,
                file: index,
                path: served,
                policies: site.csp_policies(&route),
                url_path,
                page_url,
                page: &page,
                urls,
                is_admin: site.is_admin_file(served),
                svg: kind == FileKind::Svg,
            };
            let mut page_facts = PageFacts {
                file: index,
                ..PageFacts::default()
            };
            rules::check_page(&ctx, &mut out, &mut page_facts);
            suppressions = suppress::inline::in_page(text, &page, &mut out);
            out.examine(&rules::suppression::CATEGORY);
            page_facts.anchors = page.anchors;
            facts = Some(page_facts);
        }
        FileKind::Script => {
            let js_kind = if served.ends_with(".mjs") {
                rules::sink::JsKind::Module
            } else if served.ends_with(".cjs") {
                rules::sink::JsKind::Script
            } else {
                rules::sink::JsKind::Unknown
            };
            let analysis = rules::sink::analyze(text, js_kind);
            out.examine(&rules::sink::CATEGORY);
            suppressions = suppress::inline::in_script(text, js_kind, &mut out);
            out.examine(&rules::suppression::CATEGORY);
            for detection in &analysis.detections {
                out.detection(0, detection, false);
            }
            for omitted in &analysis.omitted {
                out.omitted(omitted.rule, omitted.severity, omitted.help, omitted.count);
            }
            let url_path = format!("/{served}");
            rules::script::check_js_loads(site, &url_path, &analysis.literal_urls, 0, &mut out);
            let mut script_facts = PageFacts {
                file: index,
                ..PageFacts::default()
            };
            rules::consent::check_script_loads(
                site,
                &url_path,
                &analysis.literal_urls,
                &mut script_facts,
            );
            facts = Some(script_facts);
            if !site.is_admin_file(served) {
                rules::admin::check_script_navigations(
                    site,
                    &url_path,
                    &analysis.navigations,
                    0,
                    &mut out,
                );
            }
        }
        FileKind::Redirects => {
            rules::admin::check_redirects(site, text, &mut out);
            rules::link::check_redirects(site, text, &mut out);
        }
        FileKind::Text if rules::securitytxt::LOCATIONS.contains(&served) => {
            rules::securitytxt::check(site, index, served, text, &mut out);
        }
        FileKind::Stylesheet => {
            let url_path = format!("/{served}");
            rules::script::check_css(site, &url_path, text, 0, &mut out);
            rules::link::check_css(site, &url_path, text, 0, &mut out);
            suppressions = suppress::inline::in_stylesheet(text, &mut out);
            out.examine(&rules::suppression::CATEGORY);
        }
        _ => {}
    }
    let (findings, tally) = out.into_parts();
    FileOutcome {
        findings,
        facts,
        suppressions,
        tally,
        complete: true,
    }
}
