//! The syntax-tree walk that finds sinks and code-loading URLs.

use std::cell::Cell;

use oxc_ast::ast::{
    Argument, AssignmentExpression, AssignmentTarget, BinaryExpression, CallExpression,
    ExportAllDeclaration, ExportFromDeclaration, Expression, ImportDeclaration, ImportExpression,
    LogicalExpression, NewExpression, ObjectPropertyKind, Statement, StringLiteral,
    VariableDeclaration, VariableDeclarationKind, VariableDeclarator,
};
use oxc_ast_visit::{Visit, walk};
use oxc_span::{GetSpan, Span};
use oxc_syntax::scope::{ScopeFlags, ScopeId};

use super::resolve::{Global, Scopes, strip};
use super::{JsAnalysis, LiteralUrl, OmittedDetections};
use crate::{Detection, Severity};

const HTML_HELP: &str = "Build the nodes with document.createElement and set text with \
    textContent (or replaceChildren with nodes); keep HTML-parsing sinks for constant \
    strings only.";
const CODE_HELP: &str = "Do not turn strings into code: call a function directly. The site's \
    CSP has no 'unsafe-eval', so the browser blocks this anyway.";
const TIMER_HELP: &str = "Pass a function instead of a string, e.g. setTimeout(() => run(x), 100).";
const HANDLER_HELP: &str = "Attach behaviour with addEventListener; inline event handler \
    attributes break the script boundary and are blocked by the CSP.";
const URL_HELP: &str = "Navigate only to http(s) or relative URLs; run code through a \
    function and addEventListener instead of a javascript: URL.";
const SRCDOC_HELP: &str = "Load a same-origin document with iframe.src, or build the frame's \
    content with createElement and textContent.";

/// Which argument of a call carries the dangerous value.
#[derive(Clone, Copy)]
enum Carrier {
    First,
    Second,
    Third,
}

pub(super) struct SinkVisitor<'a> {
    scopes: Scopes<'a>,
    detections: Vec<Detection>,
    /// Detections past [`crate::emit::MAX_FINDINGS_PER_RULE`] for their
    /// rule, counted rather than kept: a script of `eval(a);` repeated
    /// holds hundreds of thousands.
    omitted: Vec<OmittedDetections>,
    /// Detections reported so far, by rule.
    reported: Vec<(&'static str, usize)>,
    literal_urls: Vec<LiteralUrl>,
    navigations: Vec<LiteralUrl>,
    /// Whether the declaration being walked is a `const`.
    declaring_const: bool,
    /// How many expressions and statements enclose the node being walked.
    depth: u32,
    /// Where the walk first stopped at [`MAX_DEPTH`], if it did.
    too_deep: Option<usize>,
}

/// The deepest the walk descends. Chains the parser reads in a loop
/// (`a.b.c…`, `f()()…`) still nest in the tree, one level per link, and the
/// walk recurses on them; binary and logical chains (`'a' + b + …`), the
/// long ones real code has, are walked without recursion.
const MAX_DEPTH: u32 = 10_000;

impl<'a> SinkVisitor<'a> {
    pub(super) fn new() -> Self {
        SinkVisitor {
            scopes: Scopes::new(),
            detections: Vec::new(),
            omitted: Vec::new(),
            reported: Vec::new(),
            literal_urls: Vec::new(),
            navigations: Vec::new(),
            declaring_const: false,
            depth: 0,
            too_deep: None,
        }
    }

    /// Where the walk stopped because the tree was nested too deeply.
    pub(super) fn too_deep(&self) -> Option<usize> {
        self.too_deep
    }

    /// Runs `walk` one level deeper, unless that would pass [`MAX_DEPTH`].
    fn descend(&mut self, span: Span, walk: impl FnOnce(&mut Self)) {
        if self.depth >= MAX_DEPTH {
            self.too_deep.get_or_insert(span.start as usize);
            return;
        }
        self.depth += 1;
        walk(self);
        self.depth -= 1;
    }

    pub(super) fn finish(mut self) -> JsAnalysis {
        self.detections
            .sort_by(|a, b| (a.start, a.end, a.rule).cmp(&(b.start, b.end, b.rule)));
        self.detections
            .dedup_by(|a, b| a.start == b.start && a.end == b.end && a.rule == b.rule);
        JsAnalysis {
            detections: self.detections,
            omitted: self.omitted,
            literal_urls: self.literal_urls,
            navigations: self.navigations,
        }
    }

    fn report(
        &mut self,
        rule: &'static str,
        severity: Severity,
        span: Span,
        message: String,
        help: &'static str,
    ) {
        let reported = match self.reported.iter_mut().find(|(r, _)| *r == rule) {
            Some((_, count)) => count,
            None => {
                self.reported.push((rule, 0));
                &mut self.reported.last_mut().expect("just pushed").1
            }
        };
        *reported += 1;
        if *reported > crate::emit::MAX_FINDINGS_PER_RULE {
            match self.omitted.iter_mut().find(|o| o.rule == rule) {
                Some(omitted) => {
                    omitted.count += 1;
                    omitted.severity = omitted.severity.min(severity);
                }
                None => self.omitted.push(OmittedDetections {
                    rule,
                    severity,
                    help,
                    count: 1,
                }),
            }
            return;
        }
        self.detections.push(Detection {
            rule,
            severity,
            start: span.start as usize,
            end: span.end as usize,
            message,
            help,
        });
    }

    fn record_url(&mut self, literal: &StringLiteral<'a>) {
        self.literal_urls.push(LiteralUrl {
            url: literal.value.as_str().to_owned(),
            start: literal.span.start as usize,
            end: literal.span.end as usize,
        });
    }

    /// Records a code-loading argument whose value is a constant. Folding
    /// (not just string literals) keeps `import('https://' + 'cdn…')` and
    /// `const u = '//cdn…'; new Worker(u)` in view of the origin check.
    fn record_url_argument(&mut self, argument: Option<&Argument<'a>>) {
        if let Some(expression) = argument.and_then(Argument::as_expression) {
            self.record_url_expression(expression);
        }
    }

    fn record_url_expression(&mut self, expression: &Expression<'a>) {
        if let Some(url) = self.scopes.fold(expression) {
            let span = expression.span();
            self.literal_urls.push(LiteralUrl {
                url: url.into_owned(),
                start: span.start as usize,
                end: span.end as usize,
            });
        }
    }

    /// A `javascript:` URL (or a value that starts with one) written to
    /// something that navigates or loads. A constant value is also kept,
    /// for the rules that judge where a script sends visitors.
    fn check_navigation(&mut self, value: &Expression<'a>, span: Span, target: &str) {
        if let Some(url) = self.scopes.fold(value) {
            let value_span = value.span();
            self.navigations.push(LiteralUrl {
                url: url.into_owned(),
                start: value_span.start as usize,
                end: value_span.end as usize,
            });
        }
        if let Some(prefix) = self.scopes.prefix(value)
            && is_javascript_url(&prefix)
        {
            // A wholly constant `javascript:` URL carries no outside data:
            // like a constant `eval` it is a warning, which the CSP blocks
            // at run time. One with a part built at run time can inject.
            let (severity, how) = if self.scopes.is_constant(value) {
                (Severity::Warning, "a constant javascript: URL")
            } else {
                (Severity::Error, "a javascript: URL")
            };
            self.report(
                "sink/javascript-url",
                severity,
                span,
                format!(
                    "{how} is sent to {target}; navigating to it runs script outside the \
                     script boundary"
                ),
                URL_HELP,
            );
        }
    }

    /// An HTML-parsing sink: an error unless the value is a constant.
    fn check_html(
        &mut self,
        value: Option<&Expression<'a>>,
        span: Span,
        rule: &'static str,
        what: &str,
        help: &'static str,
    ) {
        if value.is_some_and(|value| self.scopes.is_constant(value)) {
            return;
        }
        self.report(
            rule,
            Severity::Error,
            span,
            format!(
                "{what} receives a value that is not a constant; markup built from data can \
                 inject script (DOM XSS)"
            ),
            help,
        );
    }

    /// A sink that turns a string into code. A constant string is only a
    /// warning: it carries no outside data, but the CSP blocks it at run time.
    fn check_code(
        &mut self,
        values: &[Option<&Expression<'a>>],
        span: Span,
        rule: &'static str,
        what: &str,
        help: &'static str,
    ) {
        if values.is_empty() {
            return;
        }
        if values
            .iter()
            .all(|value| value.is_some_and(|value| self.scopes.is_constant(value)))
        {
            self.report(
                rule,
                Severity::Warning,
                span,
                format!(
                    "{what} evaluates a constant string as code; the CSP without \
                     'unsafe-eval' blocks it"
                ),
                help,
            );
        } else {
            self.report(
                rule,
                Severity::Error,
                span,
                format!("{what} evaluates a string built at run time as code"),
                help,
            );
        }
    }

    /// `setTimeout`/`setInterval`: only a string first argument is a sink;
    /// a function, or a name that may hold one, is the normal use.
    fn check_timer(&mut self, first: Option<&Expression<'a>>, span: Span, name: &str) {
        let Some(first) = first else {
            return;
        };
        if self.scopes.is_constant(first) {
            self.check_code(&[Some(first)], span, "sink/string-timer", name, TIMER_HELP);
        } else if builds_string(strip(first)) {
            self.report(
                "sink/string-timer",
                Severity::Error,
                span,
                format!("{name} is given a string built at run time, which it evaluates as code"),
                TIMER_HELP,
            );
        }
    }

    fn check_code_global(
        &mut self,
        global: Global,
        arguments: &[Option<&Expression<'a>>],
        span: Span,
    ) {
        match global {
            // eval reads only its first argument; the rest cannot run.
            Global::Eval => self.check_code(
                arguments.get(..1).unwrap_or_default(),
                span,
                "sink/eval",
                "eval",
                CODE_HELP,
            ),
            Global::FunctionConstructor => self.check_code(
                arguments,
                span,
                "sink/function-constructor",
                "the Function constructor",
                CODE_HELP,
            ),
            Global::SetTimeout => {
                self.check_timer(arguments.first().copied().flatten(), span, "setTimeout")
            }
            Global::SetInterval => {
                self.check_timer(arguments.first().copied().flatten(), span, "setInterval")
            }
            _ => {}
        }
    }

    fn check_call(&mut self, call: &CallExpression<'a>) {
        let arguments = expressions(&call.arguments);
        let callee = strip(&call.callee);

        if let Some(global) = self.scopes.global(callee) {
            match global {
                Global::Eval
                | Global::FunctionConstructor
                | Global::SetTimeout
                | Global::SetInterval => self.check_code_global(global, &arguments, call.span),
                Global::Open => {
                    if let Some(Some(url)) = arguments.first() {
                        self.check_navigation(url, call.span, "window.open");
                    }
                }
                Global::ImportScripts => {
                    for argument in &call.arguments {
                        self.record_url_argument(Some(argument));
                    }
                }
                _ => {}
            }
            return;
        }

        let Some(member) = callee.as_member_expression() else {
            return;
        };
        let Some(method) = self.scopes.member_name(member) else {
            return;
        };
        let object = member.object();
        let span = call.span;
        match method.as_ref() {
            "call" | "apply" | "bind" => self.check_indirect(object, &method, &arguments, span),
            "constructor" if is_function_value(&self.scopes, object) => self.check_code(
                &arguments,
                span,
                "sink/function-constructor",
                "a function's constructor (the Function constructor)",
                CODE_HELP,
            ),
            "construct" if self.scopes.global(object) == Some(Global::Reflect) => {
                // Reflect.construct(Function, [code]) is `new Function(code)`.
                let target = pick(&arguments, Carrier::First).and_then(|t| self.scopes.global(t));
                if target == Some(Global::FunctionConstructor) {
                    let real = array_arguments(pick(&arguments, Carrier::Second));
                    self.check_code(
                        &real,
                        span,
                        "sink/function-constructor",
                        "Reflect.construct(Function)",
                        CODE_HELP,
                    );
                }
            }
            "insertAdjacentHTML" => self.check_html(
                pick(&arguments, Carrier::Second),
                span,
                "sink/insert-adjacent-html",
                "insertAdjacentHTML",
                HTML_HELP,
            ),
            "createContextualFragment" => self.check_html(
                pick(&arguments, Carrier::First),
                span,
                "sink/create-contextual-fragment",
                "createContextualFragment",
                HTML_HELP,
            ),
            "setHTMLUnsafe" => self.check_html(
                pick(&arguments, Carrier::First),
                span,
                "sink/set-html-unsafe",
                "setHTMLUnsafe",
                HTML_HELP,
            ),
            "parseHTMLUnsafe" => self.check_html(
                pick(&arguments, Carrier::First),
                span,
                "sink/parse-html-unsafe",
                "Document.parseHTMLUnsafe",
                HTML_HELP,
            ),
            "parseFromString" => self.check_html(
                pick(&arguments, Carrier::First),
                span,
                "sink/dom-parser",
                "DOMParser.parseFromString",
                HTML_HELP,
            ),
            "write" | "writeln" if self.scopes.global(object) == Some(Global::Document) => {
                // Every argument is written, so one non-constant argument is
                // enough; a spread argument counts as data.
                let dynamic = arguments
                    .iter()
                    .copied()
                    .find(|argument| argument.is_none_or(|value| !self.scopes.is_constant(value)));
                if let Some(value) = dynamic {
                    let what = format!("document.{method}");
                    self.check_html(value, span, "sink/document-write", &what, HTML_HELP);
                }
            }
            "execCommand" => {
                let command = pick(&arguments, Carrier::First).and_then(|c| self.scopes.fold(c));
                if command.is_some_and(|c| c.eq_ignore_ascii_case("insertHTML")) {
                    self.check_html(
                        pick(&arguments, Carrier::Third),
                        span,
                        "sink/exec-command-html",
                        "execCommand('insertHTML')",
                        HTML_HELP,
                    );
                }
            }
            "setAttribute" => {
                let name = pick(&arguments, Carrier::First);
                let value = pick(&arguments, Carrier::Second);
                self.check_set_attribute(name, value, span);
            }
            "setAttributeNS" => {
                let name = pick(&arguments, Carrier::Second);
                let value = pick(&arguments, Carrier::Third);
                self.check_set_attribute(name, value, span);
            }
            "assign" | "replace" if self.scopes.global(object) == Some(Global::Location) => {
                if let Some(url) = pick(&arguments, Carrier::First) {
                    let target = format!("location.{method}");
                    self.check_navigation(url, span, &target);
                }
            }
            "register" if self.scopes.global(object) == Some(Global::ServiceWorkerContainer) => {
                self.record_url_argument(call.arguments.first());
            }
            "set" if self.scopes.global(object) == Some(Global::Reflect) => {
                let key = pick(&arguments, Carrier::Second).and_then(|k| self.scopes.fold(k));
                if let Some(key) = key {
                    self.check_property_write(&key, pick(&arguments, Carrier::Third), span);
                }
            }
            "assign" if self.scopes.global(object) == Some(Global::Object) => {
                self.check_object_assign(call.arguments.get(1..).unwrap_or_default(), span);
            }
            _ => {}
        }
    }

    /// `eval.call(null, code)`, `Function.apply(null, [code])`,
    /// `Reflect.apply(eval, null, [code])` and `setTimeout.bind(…)`.
    fn check_indirect(
        &mut self,
        object: &Expression<'a>,
        method: &str,
        arguments: &[Option<&Expression<'a>>],
        span: Span,
    ) {
        let (target, rest) = if self.scopes.global(object) == Some(Global::Reflect) {
            // Reflect.apply(target, thisArgument, argumentsList)
            if method != "apply" {
                return;
            }
            let target = arguments.first().copied().flatten();
            (target, arguments.get(1..).unwrap_or_default())
        } else {
            (Some(object), arguments)
        };
        let Some(global) = target.and_then(|t| self.scopes.global(t)) else {
            return;
        };
        if !matches!(
            global,
            Global::Eval | Global::FunctionConstructor | Global::SetTimeout | Global::SetInterval
        ) {
            return;
        }
        // `call` and `bind` take the this-value first, then the arguments;
        // `apply` takes the this-value, then an array of arguments.
        let real: Vec<Option<&Expression<'a>>> = match method {
            "call" | "bind" => rest.get(1..).unwrap_or_default().to_vec(),
            _ => array_arguments(rest.get(1).copied().flatten()),
        };
        if method == "bind" && real.is_empty() {
            // `eval.bind(null)` makes a new name for eval whose later call is
            // out of sight, so the binding itself is reported. Binding a
            // timer to `window` is ordinary and stays quiet.
            if matches!(global, Global::Eval | Global::FunctionConstructor) {
                self.check_code_global(global, &[None], span);
            }
            return;
        }
        self.check_code_global(global, &real, span);
    }

    fn check_set_attribute(
        &mut self,
        name: Option<&Expression<'a>>,
        value: Option<&Expression<'a>>,
        span: Span,
    ) {
        let Some(name) = name.and_then(|n| self.scopes.fold(n)) else {
            return;
        };
        let name = name.trim().to_ascii_lowercase();
        let local = name.rsplit(':').next().unwrap_or(&name);
        if local.starts_with("on") {
            // An inline handler runs its value as code. A constant one
            // carries no outside data (`setAttribute("oninput",
            // "return;")`), so like a constant `eval` it is a warning: the
            // CSP without 'unsafe-inline' blocks it at run time. Anything
            // else can inject script.
            let constant = value.is_some_and(|value| self.scopes.is_constant(value));
            let (severity, message) = if constant {
                (
                    Severity::Warning,
                    format!(
                        "setAttribute creates the inline event handler attribute `{local}` with \
                         constant code; the CSP without 'unsafe-inline' blocks it"
                    ),
                )
            } else {
                (
                    Severity::Error,
                    format!(
                        "setAttribute creates the inline event handler attribute `{local}` \
                         from a value built at run time"
                    ),
                )
            };
            self.report(
                "sink/set-attribute-handler",
                severity,
                span,
                message,
                HANDLER_HELP,
            );
        } else if local == "srcdoc" {
            self.check_html(
                value,
                span,
                "sink/srcdoc",
                "the srcdoc attribute",
                SRCDOC_HELP,
            );
        } else if matches!(local, "href" | "src" | "action" | "formaction" | "data")
            && let Some(value) = value
        {
            let target = format!("the {local} attribute");
            self.check_navigation(value, span, &target);
            if local == "src" {
                self.record_url_expression(value);
            }
        }
    }

    /// A write to a property named `name` (by assignment, `Reflect.set` or
    /// `Object.assign`).
    fn check_property_write(&mut self, name: &str, value: Option<&Expression<'a>>, span: Span) {
        match name {
            "innerHTML" | "outerHTML" => {
                self.check_html(value, span, "sink/inner-html", name, HTML_HELP)
            }
            "srcdoc" => self.check_html(value, span, "sink/srcdoc", "srcdoc", SRCDOC_HELP),
            "href" | "src" | "action" | "formAction" | "location" | "data" => {
                if let Some(value) = value {
                    self.check_navigation(value, span, name);
                    // Setting `src` (of a script, image or frame) fetches
                    // the URL, so a constant one must pass the origin check.
                    if name == "src" {
                        self.record_url_expression(value);
                    }
                }
            }
            _ => {}
        }
    }

    fn check_object_assign(&mut self, sources: &[Argument<'a>], span: Span) {
        for source in sources {
            let Some(Expression::ObjectExpression(object)) = source.as_expression().map(strip)
            else {
                continue;
            };
            for property in &object.properties {
                let ObjectPropertyKind::ObjectProperty(property) = property else {
                    continue;
                };
                let name = if property.computed {
                    property
                        .key
                        .as_expression()
                        .and_then(|key| self.scopes.fold(key))
                } else {
                    property.key.static_name()
                };
                if let Some(name) = name {
                    self.check_property_write(&name, Some(&property.value), span);
                }
            }
        }
    }

    fn check_assignment(&mut self, assignment: &AssignmentExpression<'a>) {
        let span = assignment.span;
        match &assignment.left {
            AssignmentTarget::AssignmentTargetIdentifier(identifier) => {
                // Assigning to a local named `location` (or to an alias of
                // the global) only rebinds a variable; the global navigates.
                if identifier.name.as_str() == "location" && self.scopes.is_unbound("location") {
                    self.check_navigation(&assignment.right, span, "location");
                }
            }
            target => {
                let Some(member) = target.as_member_expression() else {
                    return;
                };
                let Some(name) = self.scopes.member_name(member) else {
                    return;
                };
                let owner = self.scopes.global(member.object());
                match (owner, name.as_ref()) {
                    (Some(Global::Window | Global::Document), "location") => {
                        self.check_navigation(&assignment.right, span, "location");
                    }
                    (Some(Global::Location), "href") => {
                        self.check_navigation(&assignment.right, span, "location.href");
                    }
                    _ => self.check_property_write(&name, Some(&assignment.right), span),
                }
            }
        }
    }
}

impl<'a> Visit<'a> for SinkVisitor<'a> {
    fn visit_expression(&mut self, expression: &Expression<'a>) {
        self.descend(expression.span(), |visitor| {
            walk::walk_expression(visitor, expression);
        });
    }

    fn visit_statement(&mut self, statement: &Statement<'a>) {
        self.descend(statement.span(), |visitor| {
            walk::walk_statement(visitor, statement);
        });
    }

    fn visit_binary_expression(&mut self, binary: &BinaryExpression<'a>) {
        // `a + b + c` nests to the left; walk its spine in a loop, then
        // the right operands in source order.
        let mut rights = vec![&binary.right];
        let mut left = &binary.left;
        while let Expression::BinaryExpression(inner) = left {
            rights.push(&inner.right);
            left = &inner.left;
        }
        self.visit_expression(left);
        for right in rights.into_iter().rev() {
            self.visit_expression(right);
        }
    }

    fn visit_logical_expression(&mut self, logical: &LogicalExpression<'a>) {
        let mut rights = vec![&logical.right];
        let mut left = &logical.left;
        while let Expression::LogicalExpression(inner) = left {
            rights.push(&inner.right);
            left = &inner.left;
        }
        self.visit_expression(left);
        for right in rights.into_iter().rev() {
            self.visit_expression(right);
        }
    }

    fn enter_scope(&mut self, _flags: ScopeFlags, _scope_id: &Cell<Option<ScopeId>>) {
        self.scopes.enter();
    }

    fn leave_scope(&mut self) {
        self.scopes.leave();
    }

    fn visit_variable_declaration(&mut self, declaration: &VariableDeclaration<'a>) {
        // Nested declarations (inside an initialiser's function body) set
        // and restore the flag around themselves, so it is right again by
        // the time each of this declaration's names is bound.
        let outer = self.declaring_const;
        self.declaring_const = matches!(declaration.kind, VariableDeclarationKind::Const);
        walk::walk_variable_declaration(self, declaration);
        self.declaring_const = outer;
    }

    fn visit_variable_declarator(&mut self, declarator: &VariableDeclarator<'a>) {
        let constant = self.declaring_const;
        walk::walk_variable_declarator(self, declarator);
        let Some(identifier) = declarator.id.get_binding_identifier() else {
            return;
        };
        let binding = self.scopes.binding_for(declarator.init.as_ref(), constant);
        self.scopes.declare(identifier.name.as_str(), binding);
    }

    fn visit_assignment_expression(&mut self, assignment: &AssignmentExpression<'a>) {
        self.check_assignment(assignment);
        walk::walk_assignment_expression(self, assignment);
    }

    fn visit_call_expression(&mut self, call: &CallExpression<'a>) {
        self.check_call(call);
        walk::walk_call_expression(self, call);
    }

    fn visit_new_expression(&mut self, new: &NewExpression<'a>) {
        let arguments = expressions(&new.arguments);
        match self.scopes.global(&new.callee) {
            Some(Global::FunctionConstructor) => self.check_code(
                &arguments,
                new.span,
                "sink/function-constructor",
                "new Function",
                CODE_HELP,
            ),
            Some(Global::WorkerConstructor | Global::SharedWorkerConstructor) => {
                self.record_url_argument(new.arguments.first());
            }
            _ => {}
        }
        walk::walk_new_expression(self, new);
    }

    fn visit_import_expression(&mut self, import: &ImportExpression<'a>) {
        self.record_url_expression(&import.source);
        walk::walk_import_expression(self, import);
    }

    fn visit_import_declaration(&mut self, declaration: &ImportDeclaration<'a>) {
        self.record_url(&declaration.source);
        walk::walk_import_declaration(self, declaration);
    }

    fn visit_export_all_declaration(&mut self, declaration: &ExportAllDeclaration<'a>) {
        self.record_url(&declaration.source);
        walk::walk_export_all_declaration(self, declaration);
    }

    fn visit_export_from_declaration(&mut self, declaration: &ExportFromDeclaration<'a>) {
        self.record_url(&declaration.source);
        walk::walk_export_from_declaration(self, declaration);
    }
}

/// The arguments as expressions; a spread argument is `None` (unknown data).
fn expressions<'e, 'a>(arguments: &'e [Argument<'a>]) -> Vec<Option<&'e Expression<'a>>> {
    arguments.iter().map(Argument::as_expression).collect()
}

fn pick<'e, 'a>(
    arguments: &[Option<&'e Expression<'a>>],
    carrier: Carrier,
) -> Option<&'e Expression<'a>> {
    match carrier {
        Carrier::First => arguments.first().copied().flatten(),
        Carrier::Second => arguments.get(1).copied().flatten(),
        Carrier::Third => arguments.get(2).copied().flatten(),
    }
}

/// The elements of an arguments array (`apply`, `Reflect.apply`,
/// `Reflect.construct`); an array we cannot see into counts as data.
fn array_arguments<'e, 'a>(list: Option<&'e Expression<'a>>) -> Vec<Option<&'e Expression<'a>>> {
    match list.map(strip) {
        Some(Expression::ArrayExpression(array)) => {
            array.elements.iter().map(|e| e.as_expression()).collect()
        }
        Some(_) => vec![None],
        None => Vec::new(),
    }
}

/// Whether an expression evaluates to a function object, whose
/// `.constructor` is the Function constructor.
fn is_function_value<'a>(scopes: &Scopes<'a>, expr: &Expression<'a>) -> bool {
    match strip(expr) {
        Expression::FunctionExpression(_)
        | Expression::ArrowFunctionExpression(_)
        | Expression::ClassExpression(_) => true,
        other => {
            if let Some(member) = other.as_member_expression() {
                let name = scopes.member_name(member);
                name.as_deref() == Some("constructor")
                    || (name.as_deref() == Some("prototype")
                        && scopes.global(member.object()) == Some(Global::FunctionConstructor))
            } else {
                matches!(
                    scopes.global(other),
                    Some(
                        Global::Eval
                            | Global::FunctionConstructor
                            | Global::SetTimeout
                            | Global::SetInterval
                            | Global::Open
                            | Global::ImportScripts
                    )
                )
            }
        }
    }
}

/// Whether an expression visibly builds a string: concatenation, a
/// template with substitutions, or a string method call.
fn builds_string(expr: &Expression<'_>) -> bool {
    match expr {
        Expression::BinaryExpression(binary) => {
            binary.operator == oxc_syntax::operator::BinaryOperator::Addition
        }
        Expression::TemplateLiteral(template) => !template.expressions.is_empty(),
        Expression::CallExpression(call) => {
            let callee = strip(&call.callee);
            if let Expression::Identifier(identifier) = callee {
                return matches!(
                    identifier.name.as_str(),
                    "String" | "atob" | "decodeURIComponent" | "decodeURI" | "unescape"
                );
            }
            callee
                .as_member_expression()
                .and_then(|member| member.static_property_name())
                .is_some_and(|name| {
                    matches!(
                        name,
                        "toString"
                            | "join"
                            | "concat"
                            | "replace"
                            | "replaceAll"
                            | "slice"
                            | "substring"
                            | "substr"
                            | "trim"
                            | "toLowerCase"
                            | "toUpperCase"
                            | "repeat"
                            | "padStart"
                            | "padEnd"
                            | "fromCharCode"
                            | "fromCodePoint"
                            | "stringify"
                    )
                })
        }
        _ => false,
    }
}

/// Whether a URL runs script when navigated to. Browsers strip leading
/// C0 controls and spaces and drop tabs and newlines anywhere, and schemes
/// are case-insensitive, so `" JaVa\tScRiPt:"` counts.
pub(super) fn is_javascript_url(url: &str) -> bool {
    let mut scheme = String::with_capacity(11);
    for character in url.trim_start_matches(|c: char| c <= ' ').chars() {
        if matches!(character, '\t' | '\n' | '\r') {
            continue;
        }
        scheme.push(character.to_ascii_lowercase());
        if scheme.len() == "javascript:".len() {
            break;
        }
    }
    scheme == "javascript:"
}
