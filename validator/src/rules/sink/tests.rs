use super::*;

/// Rule ids of the error detections in `source`, in source order.
fn errors(source: &str) -> Vec<&'static str> {
    scan(source, JsKind::Unknown)
        .into_iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| d.rule)
        .collect()
}

/// Rule ids of the warning detections in `source`.
fn warnings(source: &str) -> Vec<&'static str> {
    scan(source, JsKind::Unknown)
        .into_iter()
        .filter(|d| d.severity == Severity::Warning)
        .map(|d| d.rule)
        .collect()
}

fn assert_clean(source: &str) {
    let found = scan(source, JsKind::Unknown);
    assert!(
        found.is_empty(),
        "expected no detection in {source:?}, got {found:#?}"
    );
}

#[test]
fn inner_html_with_data_is_an_error() {
    assert_eq!(errors("el.innerHTML = name;"), ["sink/inner-html"]);
    assert_eq!(
        errors("el.outerHTML = `<b>${name}</b>`;"),
        ["sink/inner-html"]
    );
    assert_eq!(
        errors("el.innerHTML += '<li>' + item + '</li>';"),
        ["sink/inner-html"]
    );
    assert_eq!(
        errors("el.innerHTML ||= html; el.innerHTML ??= html;"),
        ["sink/inner-html", "sink/inner-html"]
    );
    assert_eq!(
        errors("el.innerHTML = open ? html : '';"),
        ["sink/inner-html"]
    );
}

#[test]
fn constant_inner_html_is_fine() {
    assert_clean("el.innerHTML = '';");
    assert_clean("el.innerHTML = `<p>Loading…</p>`;");
    assert_clean("el.innerHTML = '<b>' + 'bold' + '</b>';");
    assert_clean("const empty = ''; el.innerHTML = empty;");
    assert_clean("el.innerHTML = 0; el.outerHTML = null;");
    assert_clean("el.innerHTML = open ? '<b>open</b>' : '';");
}

#[test]
fn reading_inner_html_or_text_content_is_fine() {
    assert_clean("const html = el.innerHTML; el.textContent = name; console.log(html);");
    assert_clean("el.innerhtml = name; // not a real property, nothing is parsed");
}

#[test]
fn computed_members_that_fold_are_seen() {
    assert_eq!(errors("el['inner' + 'HTML'] = x;"), ["sink/inner-html"]);
    assert_eq!(errors("el[`innerHTML`] = x;"), ["sink/inner-html"]);
    assert_eq!(
        errors("const k = 'inner' + 'HTML'; el[k] = x;"),
        ["sink/inner-html"]
    );
    assert_eq!(
        errors("el[['inner', 'HTML'].join('')] = x;"),
        ["sink/inner-html"]
    );
    assert_eq!(
        errors("el['inner'.concat('HTML')] = x;"),
        ["sink/inner-html"]
    );
    assert_eq!(
        errors("el[String.fromCharCode(105,110,110,101,114,72,84,77,76)] = x;"),
        ["sink/inner-html"]
    );
    assert_eq!(
        errors("el?.['outer' + `HTML`] && (el['outerHTML'] = x);"),
        ["sink/inner-html"]
    );
}

#[test]
fn a_let_string_is_not_trusted_as_constant() {
    // A `let` can be reassigned with data later, so it is not a constant.
    assert_eq!(
        errors("let html = ''; html = data; el.innerHTML = html;"),
        ["sink/inner-html"]
    );
}

#[test]
fn scoped_constants_do_not_leak() {
    let source = "function a() { const k = 'innerHTML'; el[k] = x; }\n\
                  function b() { el[k] = x; }";
    assert_eq!(errors(source), ["sink/inner-html"]);
}

#[test]
fn document_write_and_aliases() {
    assert_eq!(errors("document.write(html);"), ["sink/document-write"]);
    assert_eq!(
        errors("document.writeln('<p>', html);"),
        ["sink/document-write"]
    );
    assert_eq!(
        errors("window.document.write(html);"),
        ["sink/document-write"]
    );
    assert_eq!(
        errors("const d = document; d.write(html);"),
        ["sink/document-write"]
    );
    assert_eq!(
        errors("var w = window; w['docu' + 'ment']['wri' + 'te'](x);"),
        ["sink/document-write"]
    );
    assert_clean("document.write('<p>static</p>');");
    assert_clean("stream.write(chunk); file.writeln(line);");
}

#[test]
fn a_parameter_named_document_shadows_nothing_we_track() {
    // Only declarations are tracked; a local binding named like a global
    // that holds something else is not the global.
    assert_clean("const document = makeDoc(); document.write(x);");
}

#[test]
fn eval_in_all_its_spellings() {
    assert_eq!(errors("eval(code);"), ["sink/eval"]);
    assert_eq!(errors("window.eval(code);"), ["sink/eval"]);
    assert_eq!(errors("(0, eval)(code);"), ["sink/eval"]);
    assert_eq!(errors("globalThis['ev' + 'al'](code);"), ["sink/eval"]);
    assert_eq!(errors("const e = eval; e(code);"), ["sink/eval"]);
    assert_eq!(errors("eval.call(null, code);"), ["sink/eval"]);
    assert_eq!(errors("Reflect.apply(eval, null, [code]);"), ["sink/eval"]);
    assert_eq!(errors("self[`eval`](code);"), ["sink/eval"]);
}

#[test]
fn constant_eval_is_only_a_warning() {
    assert!(errors("eval('1 + 1');").is_empty());
    assert_eq!(warnings("eval('1 + 1');"), ["sink/eval"]);
}

#[test]
fn function_constructors() {
    assert_eq!(
        errors("new Function('a', body);"),
        ["sink/function-constructor"]
    );
    assert_eq!(errors("Function(body)();"), ["sink/function-constructor"]);
    assert_eq!(
        errors("window.Function(body);"),
        ["sink/function-constructor"]
    );
    assert_eq!(
        errors("(function () {}).constructor(body)();"),
        ["sink/function-constructor"]
    );
    assert_eq!(
        errors("(() => {})['constr' + 'uctor'](body);"),
        ["sink/function-constructor"]
    );
    assert_eq!(
        errors("[].constructor.constructor(body)();"),
        ["sink/function-constructor"]
    );
    assert_eq!(
        errors("Reflect.construct(Function, [body]);"),
        ["sink/function-constructor"]
    );
    assert_eq!(
        errors("Function.apply(null, args);"),
        ["sink/function-constructor"]
    );
    assert_eq!(
        warnings("new Function('return 1');"),
        ["sink/function-constructor"]
    );
    assert_clean("new Map(); new Set(items); obj.constructor(x);");
}

#[test]
fn string_timers() {
    assert_eq!(
        errors("setTimeout('tick(' + id + ')', 10);"),
        ["sink/string-timer"]
    );
    assert_eq!(
        errors("setInterval(`poll(${id})`, 1000);"),
        ["sink/string-timer"]
    );
    assert_eq!(
        errors("window.setTimeout(code.trim(), 5);"),
        ["sink/string-timer"]
    );
    assert_eq!(warnings("setTimeout('tick()', 10);"), ["sink/string-timer"]);
    assert_clean("setTimeout(() => tick(id), 10); setInterval(poll, 1000);");
    assert_clean("setTimeout(function () { tick(); }, 0); setTimeout(this.tick, 5);");
}

#[test]
fn html_parsing_calls() {
    assert_eq!(
        errors("el.insertAdjacentHTML('beforeend', html);"),
        ["sink/insert-adjacent-html"]
    );
    assert_eq!(
        errors("range.createContextualFragment(html);"),
        ["sink/create-contextual-fragment"]
    );
    assert_eq!(errors("el.setHTMLUnsafe(html);"), ["sink/set-html-unsafe"]);
    assert_eq!(
        errors("Document.parseHTMLUnsafe(html);"),
        ["sink/parse-html-unsafe"]
    );
    assert_eq!(
        errors("new DOMParser().parseFromString(html, 'text/html');"),
        ["sink/dom-parser"]
    );
    assert_eq!(
        errors("document.execCommand('insertHTML', false, html);"),
        ["sink/exec-command-html"]
    );
    assert_eq!(
        errors("document.execCommand('InsertHtml', false, html);"),
        ["sink/exec-command-html"]
    );
    assert_clean("el.insertAdjacentHTML('beforeend', '<hr>');");
    assert_clean("document.execCommand('bold', false, value);");
    assert_clean("el.insertAdjacentText('beforeend', text);");
}

#[test]
fn srcdoc_writes() {
    assert_eq!(errors("frame.srcdoc = page;"), ["sink/srcdoc"]);
    assert_eq!(
        errors("frame.setAttribute('SRCDOC', page);"),
        ["sink/srcdoc"]
    );
    assert_eq!(
        errors("Reflect.set(frame, 'srcdoc', page);"),
        ["sink/srcdoc"]
    );
    assert_clean("frame.srcdoc = '<p>hello</p>';");
}

#[test]
fn set_attribute_event_handlers() {
    assert_eq!(
        errors("el.setAttribute('ON' + 'LOAD', handler);"),
        ["sink/set-attribute-handler"]
    );
    assert_eq!(
        errors("el.setAttributeNS(null, 'onmouseover', code);"),
        ["sink/set-attribute-handler"]
    );
    assert_eq!(
        errors("el.setAttribute('onclick', 'go(' + id + ')');"),
        ["sink/set-attribute-handler"]
    );
    assert_eq!(
        errors("el.setAttribute('onclick');"),
        ["sink/set-attribute-handler"]
    );
    assert_clean("el.setAttribute('class', name); el.setAttribute('data-on', x);");
    assert_clean("el.setAttribute(name, value);");
}

#[test]
fn constant_set_attribute_handlers_are_warnings() {
    // The literal-argument exemption holds for setAttribute as for every
    // sink: constant code carries no outside data.
    for source in [
        "input.setAttribute(\"oninput\", \"return;\");",
        "el.setAttribute('onclick', 'go()');",
        "const code = 'this.select()'; el.setAttribute('onfocus', code);",
        "el.setAttributeNS(null, 'onload', `init()`);",
    ] {
        assert!(errors(source).is_empty(), "{source}");
        assert_eq!(warnings(source), ["sink/set-attribute-handler"], "{source}");
    }
}

#[test]
fn javascript_urls() {
    assert_eq!(
        errors("location.href = 'javascript:' + code;"),
        ["sink/javascript-url"]
    );
    assert_eq!(
        errors("window.location = ` JaVa\\tScript:${code}`;"),
        ["sink/javascript-url"]
    );
    assert_eq!(
        errors("a.setAttribute('href', 'javascript:' + next);"),
        ["sink/javascript-url"]
    );
    assert_eq!(
        errors("Object.assign(a, { href: 'javascript:' + x });"),
        ["sink/javascript-url"]
    );
    // Wholly constant javascript: URLs carry no outside data: warnings.
    for source in [
        "location = 'javascript:alert(1)';",
        "a.href = 'java' + 'script:void(0)';",
        "img.src = 'javascript:x';",
        "form.action = 'JAVASCRIPT:x';",
        "location.assign('javascript:x');",
        "document.location.replace('javascript:x');",
        "window.open('javascript:x');",
        "a.setAttribute('href', 'javascript:x');",
        "Object.assign(a, { href: 'javascript:x' });",
    ] {
        assert!(errors(source).is_empty(), "{source}");
        assert_eq!(warnings(source), ["sink/javascript-url"], "{source}");
    }
}

#[test]
fn ordinary_navigation_is_fine() {
    assert_clean("location.href = '/contact/thanks/'; location = next;");
    assert_clean("a.href = url; img.src = '/assets/logo.svg'; window.open('/help/');");
    assert_clean("let location = 'javascript:'; location = 'javascript:x';");
}

#[test]
fn object_assign_and_reflect_set_of_html() {
    assert_eq!(
        errors("Object.assign(el, { innerHTML: html });"),
        ["sink/inner-html"]
    );
    assert_eq!(
        errors("Object.assign(el, { ['inner' + 'HTML']: html });"),
        ["sink/inner-html"]
    );
    assert_eq!(
        errors("Reflect.set(el, 'outerHTML', html);"),
        ["sink/inner-html"]
    );
    assert_clean("Object.assign(el, { textContent: text, innerHTML: '' });");
}

#[test]
fn sinks_inside_functions_classes_and_modules_are_found() {
    let source = "import { render } from './render.js';\n\
                  export class View { show(x) { this.root.innerHTML = render(x); } }\n\
                  export default async function load(x) { await null; document.write(x); }";
    assert_eq!(scan(source, JsKind::Module).len(), 2);
    assert_eq!(errors(source), ["sink/inner-html", "sink/document-write"]);
}

#[test]
fn detections_point_at_the_offending_expression() {
    let source = "const a = 1;\nel.innerHTML = a + name;\n";
    let found = scan(source, JsKind::Script);
    assert_eq!(found.len(), 1);
    assert_eq!(
        &source[found[0].start..found[0].end],
        "el.innerHTML = a + name"
    );
    assert!(found[0].message.contains("innerHTML"));
    assert!(found[0].help.contains("textContent"));
}

#[test]
fn console_log_and_prose_are_not_sinks() {
    assert_clean(
        "console.log('open the console and eval this'); // innerHTML, document.write\n\
         const text = 'Use el.innerHTML = x only with constants';",
    );
}

#[test]
fn parse_errors_are_one_warning_and_the_rest_is_still_scanned() {
    let found = scan("el.innerHTML = x;\nlet = = ;", JsKind::Script);
    let rules: Vec<_> = found.iter().map(|d| (d.rule, d.severity)).collect();
    assert!(
        rules.contains(&("sink/parse-error", Severity::Warning)),
        "{found:#?}"
    );
    assert_eq!(
        rules
            .iter()
            .filter(|(rule, _)| *rule == "sink/parse-error")
            .count(),
        1
    );
}

#[test]
fn unknown_kind_falls_back_to_script_syntax() {
    // `with` is a syntax error in a module (strict mode) but fine in a script.
    let source = "with (obj) { el.innerHTML = x; }";
    assert_eq!(errors(source), ["sink/inner-html"]);
    assert!(warnings(source).is_empty());
    // And module syntax parses when the kind is unknown.
    assert!(warnings("import x from './x.js'; export { x };").is_empty());
}

#[test]
fn constant_navigations_are_collected() {
    let source = "location.assign('/console/');\n\
                  window.open('https://dashboard.example/');\n\
                  const where = '/dash' + 'board/'; location.href = where;\n\
                  form.setAttribute('action', '/admin/login');\n\
                  location = somewhere;";
    let analysis = analyze(source, JsKind::Script);
    let urls: Vec<&str> = analysis
        .navigations
        .iter()
        .map(|n| n.url.as_str())
        .collect();
    assert_eq!(
        urls,
        [
            "/console/",
            "https://dashboard.example/",
            "/dashboard/",
            "/admin/login"
        ]
    );
    let first = &analysis.navigations[0];
    assert_eq!(&source[first.start..first.end], "'/console/'");
}

#[test]
fn literal_urls_of_src_writes() {
    let source = "const s = document.createElement('script');\n\
                  s.src = 'https://cdn.example/x.js';\n\
                  img['s' + 'rc'] = '//pixel.example/p.gif';\n\
                  frame.setAttribute('SRC', '/local.html');\n\
                  link.href = 'https://elsewhere.example/';\n\
                  s.src = computedUrl;";
    let urls = literal_urls(source, JsKind::Script);
    let names: Vec<&str> = urls.iter().map(|(url, _, _)| url.as_str()).collect();
    assert_eq!(
        names,
        [
            "https://cdn.example/x.js",
            "//pixel.example/p.gif",
            "/local.html"
        ]
    );
}

#[test]
fn literal_urls_of_code_loaders() {
    let source = "import a from 'https://cdn.example/a.js';\n\
                  export * from './b.js';\n\
                  export { c } from '/c.js';\n\
                  const m = await import('//evil.example/m.js');\n\
                  new Worker('/w.js'); new SharedWorker(`/s.js`);\n\
                  navigator.serviceWorker.register('/sw.js');\n\
                  importScripts('/i1.js', '/i2.js');\n\
                  import('https://' + 'cdn.example/folded.js');\n\
                  const host = '//evil.example'; new Worker(`${host}/w2.js`);\n\
                  import(dynamicUrl); new Worker(url);";
    let urls = literal_urls(source, JsKind::Module);
    let names: Vec<&str> = urls.iter().map(|(url, _, _)| url.as_str()).collect();
    assert_eq!(
        names,
        [
            "https://cdn.example/a.js",
            "./b.js",
            "/c.js",
            "//evil.example/m.js",
            "/w.js",
            "/s.js",
            "/sw.js",
            "/i1.js",
            "/i2.js",
            "https://cdn.example/folded.js",
            "//evil.example/w2.js"
        ]
    );
    // Literal URLs point at their literal; folded ones at the expression.
    for (url, start, end) in &urls[..9] {
        assert!(source[*start..*end].contains(url.as_str()));
    }
    assert_eq!(
        &source[urls[9].1..urls[9].2],
        "'https://' + 'cdn.example/folded.js'"
    );
}

#[test]
fn analysis_is_stable_across_reused_allocators() {
    // The arena is reset between parses; a second run must see the same.
    let source = "el.innerHTML = x; eval(y);";
    let first = analyze(source, JsKind::Script);
    for _ in 0..3 {
        assert_eq!(analyze(source, JsKind::Script), first);
    }
    assert_eq!(first.detections.len(), 2);
}

#[test]
fn javascript_url_scheme_matching() {
    use visitor::is_javascript_url;
    assert!(is_javascript_url("javascript:alert(1)"));
    assert!(is_javascript_url("\u{1}  JavaScript:x"));
    assert!(is_javascript_url("java\tscr\nipt:x"));
    assert!(!is_javascript_url("https://javascript.info/"));
    assert!(!is_javascript_url("/javascript:/x"));
    assert!(!is_javascript_url("javascript"));
}

#[test]
fn diagnostics_for_every_rule() {
    let source = "el.innerHTML = data;\n\
                  document.write(data);\n\
                  el.insertAdjacentHTML('beforeend', data);\n\
                  range.createContextualFragment(data);\n\
                  el.setHTMLUnsafe(data);\n\
                  Document.parseHTMLUnsafe(data);\n\
                  new DOMParser().parseFromString(data, 'text/html');\n\
                  frame.srcdoc = data;\n\
                  document.execCommand('insertHTML', false, data);\n\
                  eval(data);\n\
                  eval('1');\n\
                  new Function(data);\n\
                  setTimeout('run(' + data + ')', 1);\n\
                  el.setAttribute('onclick', data);\n\
                  location.href = 'javascript:' + data;\n";
    let report: Vec<serde_json::Value> = scan(source, JsKind::Script)
        .iter()
        .map(|d| {
            serde_json::json!({
                "rule": d.rule,
                "severity": d.severity,
                "text": &source[d.start..d.end],
                "message": d.message,
                "help": d.help,
            })
        })
        .collect();
    insta::assert_json_snapshot!(report);
}

/// Scripts nested `depth` levels deep in the shapes that make the parser
/// or the tree walk recurse.
fn nested_shapes(depth: usize) -> Vec<(&'static str, String)> {
    vec![
        (
            "brackets",
            format!("x = {}1{};", "[".repeat(depth), "]".repeat(depth)),
        ),
        (
            "parentheses",
            format!("x = {}1{};", "(".repeat(depth), ")".repeat(depth)),
        ),
        (
            "objects",
            format!("x = {}1{};", "{a:".repeat(depth), "}".repeat(depth)),
        ),
        (
            "calls",
            format!("x = {}1{};", "f(".repeat(depth), ")".repeat(depth)),
        ),
        (
            "templates",
            format!("x = {}1{};", "`${".repeat(depth), "}`".repeat(depth)),
        ),
        (
            "functions",
            format!("{}{}", "function f(){".repeat(depth), "}".repeat(depth)),
        ),
        ("arrows", format!("x = {}1;", "a=>".repeat(depth))),
        ("negations", format!("x = {}1;", "!".repeat(depth))),
        ("assignments", format!("{}1;", "a=".repeat(depth))),
        ("conditionals", format!("x = {}1;", "a?b:".repeat(depth))),
        ("ifs", format!("{}x();", "if(a)".repeat(depth))),
        (
            "else-ifs",
            format!("{}x();", "if(a)x();else ".repeat(depth)),
        ),
        (
            "blocks",
            format!("{}{}", "{".repeat(depth), "}".repeat(depth)),
        ),
        ("labels", format!("{}x();", "l:".repeat(depth))),
        ("news", format!("x = {}X;", "new ".repeat(depth))),
        ("powers", format!("x = 1{};", "**1".repeat(depth))),
    ]
}

#[test]
fn hostile_nesting_is_a_finding_not_a_crash() {
    // Two hundred thousand levels: far past any stack, in every shape.
    for (shape, source) in nested_shapes(200_000) {
        let found = scan(&source, JsKind::Unknown);
        assert_eq!(
            found.iter().map(|d| d.rule).collect::<Vec<_>>(),
            ["sink/too-deep"],
            "{shape}"
        );
        assert_eq!(found[0].severity, Severity::Error);
        assert!(found[0].end <= source.len());
    }
}

#[test]
fn nesting_just_inside_the_bound_is_parsed() {
    // Each shape at the deepest estimate the bound lets through must parse
    // and be walked on the scanning threads' stack, even unoptimised.
    let depth = nesting::MAX_NESTING as usize / 2 - 10;
    for (shape, source) in nested_shapes(depth) {
        let found = scan(&source, JsKind::Unknown);
        assert!(
            found.iter().all(|d| d.rule != "sink/too-deep"),
            "{shape} at {depth}: {found:?}"
        );
    }
    let sink = format!(
        "el.innerHTML = {}name{};",
        "(".repeat(depth),
        ")".repeat(depth)
    );
    assert_eq!(errors(&sink), ["sink/inner-html"]);
}

#[test]
fn long_chains_the_parser_loops_over_are_walked() {
    // Long concatenations are common in generated code; they are walked
    // without recursion and still judged.
    let concatenation = format!("el.innerHTML = 'a'{} + name;", " + 'b'".repeat(100_000));
    assert_eq!(errors(&concatenation), ["sink/inner-html"]);
    let javascript_url = format!(
        "location.href = 'javascript:'{} + code;",
        " + 'x'".repeat(100_000)
    );
    assert_eq!(errors(&javascript_url), ["sink/javascript-url"]);
    let logical = format!("x = a{};", " || a".repeat(100_000));
    assert_clean(&logical);
    // A member chain nests one level a link: past the walk's bound it is
    // a finding.
    let members = format!("x = a{};", ".b".repeat(100_000));
    assert_eq!(errors(&members), ["sink/too-deep"]);
}

mod fuzz {
    use super::*;
    use crate::fuzz::{self, is_place_in};
    use proptest::prelude::*;

    /// An expression nested `depth` levels deep, each level one of the
    /// constructs that make the parser descend.
    fn nested_expression() -> impl Strategy<Value = (String, u32)> {
        let wrappers = prop::collection::vec(0usize..14, 1..60);
        wrappers.prop_map(|wrappers| {
            let mut expression = "x".to_string();
            for wrapper in &wrappers {
                expression = match wrapper {
                    0 => format!("[{expression}]"),
                    1 => format!("({expression})"),
                    2 => format!("{{a: {expression}}}"),
                    3 => format!("f({expression})"),
                    4 => format!("!{expression}"),
                    5 => format!("-{expression}"),
                    6 => format!("typeof {expression}"),
                    7 => format!("a = {expression}"),
                    8 => format!("a ? b : {expression}"),
                    9 => format!("a => {expression}"),
                    10 => format!("new X({expression})"),
                    11 => format!("`${{{expression}}}`"),
                    12 => format!("function () {{ return {expression} }}"),
                    _ => format!("async () => {{ await {expression} }}"),
                };
            }
            let depth = u32::try_from(wrappers.len()).unwrap_or(u32::MAX);
            (format!("y = {expression};"), depth)
        })
    }

    /// A statement nested `depth` levels deep.
    fn nested_statement() -> impl Strategy<Value = (String, u32)> {
        let wrappers = prop::collection::vec(0usize..7, 1..60);
        wrappers.prop_map(|wrappers| {
            let mut statement = "x();".to_string();
            for wrapper in &wrappers {
                statement = match wrapper {
                    0 => format!("if (a) {statement}"),
                    1 => format!("if (a) b(); else {statement}"),
                    2 => format!("l: {statement}"),
                    3 => format!("{{ {statement} }}"),
                    4 => format!("while (a) {statement}"),
                    5 => format!("do {statement} while (a);"),
                    _ => format!("for (;;) {statement}"),
                };
            }
            let depth = u32::try_from(wrappers.len()).unwrap_or(u32::MAX);
            (statement, depth)
        })
    }

    proptest! {
        #![proptest_config(fuzz::config())]

        /// The nesting estimate never counts less than the levels the
        /// parser descends, which is what keeps the stack safe.
        #[test]
        fn fuzz_nesting_estimate_covers_expressions((source, depth) in nested_expression()) {
            prop_assert!(nesting::check(&source, depth - 1).is_err(), "{}", source);
        }

        #[test]
        fn fuzz_nesting_estimate_covers_statements((source, depth) in nested_statement()) {
            prop_assert!(nesting::check(&source, depth - 1).is_err(), "{}", source);
        }

        /// Whatever the script, the analysis returns, its detections and
        /// URLs point inside the script, and it reads the same twice.
        #[test]
        fn fuzz_analysis_stays_inside_the_script(source in fuzz::js()) {
            for kind in [JsKind::Script, JsKind::Module, JsKind::Unknown] {
                let analysis = analyze(&source, kind);
                for detection in &analysis.detections {
                    prop_assert!(detection.start <= detection.end);
                    prop_assert!(is_place_in(&source, detection.start), "{:?}", detection);
                    prop_assert!(is_place_in(&source, detection.end), "{:?}", detection);
                }
                for url in analysis.literal_urls.iter().chain(&analysis.navigations) {
                    prop_assert!(url.start <= url.end && url.end <= source.len());
                }
                prop_assert_eq!(&analysis, &analyze(&source, kind));
            }
        }

        /// Comments of a clean parse lie inside the script, in order and
        /// apart, each opening with a comment delimiter.
        #[test]
        fn fuzz_comments_are_comments(source in fuzz::js()) {
            for kind in [JsKind::Script, JsKind::Module, JsKind::Unknown] {
                let Some(found) = comments(&source, kind) else { continue };
                for range in &found {
                    prop_assert!(is_place_in(&source, range.start) && is_place_in(&source, range.end));
                    let text = &source[range.clone()];
                    prop_assert!(
                        ["//", "/*", "<!--", "-->"].iter().any(|d| text.starts_with(d)),
                        "{:?}", text
                    );
                }
                prop_assert!(found.windows(2).all(|w| w[0].end <= w[1].start));
            }
        }
    }

    #[test]
    fn comments_come_from_the_parse_not_the_text() {
        let source =
            "const a = \"// no\"; /* yes */ const b = `/* no */`; // yes\nlet r = /\\/* no/;";
        let found: Vec<&str> = comments(source, JsKind::Script)
            .unwrap()
            .into_iter()
            .map(|range| &source[range])
            .collect();
        assert_eq!(found, ["/* yes */", "// yes"]);
        assert_eq!(comments("let x = ;// a", JsKind::Script), None);
    }
}
