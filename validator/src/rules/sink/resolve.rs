//! Static knowledge about expressions: which constant string an expression
//! folds to, and which browser global it names.
//!
//! Both work through the simple bindings the visitor records per scope, so
//! `const k = 'inner' + 'HTML'; el[k] = x` and `const d = document;
//! d.write(x)` resolve like their direct spellings.

use std::borrow::Cow;
use std::collections::HashMap;

use oxc_ast::ast::{
    ArrayExpressionElement, BinaryExpression, CallExpression, Expression, MemberExpression,
    TemplateLiteral,
};
use oxc_syntax::operator::BinaryOperator;

/// The longest string folding builds. Every name a sink is reached by is
/// far shorter, and a URL's origin sits at its start (which [`Scopes::prefix`]
/// keeps, cut to this length). Without a bound, `const b = a + a` doubling
/// a few dozen times builds gigabytes from a kilobyte of source, and each
/// use of a long constant would copy it again.
const MAX_BUILT_BYTES: usize = 1024;

/// Whether a string of `parts` lengths together may be built.
fn fits(parts: impl IntoIterator<Item = usize>) -> bool {
    parts
        .into_iter()
        .try_fold(0usize, |total, part| {
            total
                .checked_add(part)
                .filter(|&sum| sum <= MAX_BUILT_BYTES)
        })
        .is_some()
}

/// Appends as much of `piece` to `text` as keeps it within
/// [`MAX_BUILT_BYTES`], cut on a character boundary, so that a long
/// constant is never copied whole.
fn push_within(text: &mut String, piece: &str) {
    let mut room = MAX_BUILT_BYTES.saturating_sub(text.len()).min(piece.len());
    while !piece.is_char_boundary(room) {
        room -= 1;
    }
    text.push_str(&piece[..room]);
}

/// Browser globals (and well-known objects reached from them) that matter
/// to sink detection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Global {
    Window,
    Document,
    Location,
    Navigator,
    ServiceWorkerContainer,
    Eval,
    FunctionConstructor,
    SetTimeout,
    SetInterval,
    Open,
    ImportScripts,
    WorkerConstructor,
    SharedWorkerConstructor,
    Reflect,
    Object,
    StringConstructor,
}

impl Global {
    /// The global a bare identifier (or a property of `window`) names.
    fn named(name: &str) -> Option<Global> {
        Some(match name {
            "window" | "self" | "globalThis" | "top" | "parent" | "frames" => Global::Window,
            "document" => Global::Document,
            "location" => Global::Location,
            "navigator" => Global::Navigator,
            "eval" => Global::Eval,
            "Function" => Global::FunctionConstructor,
            "setTimeout" => Global::SetTimeout,
            "setInterval" => Global::SetInterval,
            "open" => Global::Open,
            "importScripts" => Global::ImportScripts,
            "Worker" => Global::WorkerConstructor,
            "SharedWorker" => Global::SharedWorkerConstructor,
            "Reflect" => Global::Reflect,
            "Object" => Global::Object,
            "String" => Global::StringConstructor,
            _ => return None,
        })
    }
}

/// What a name declared in the script is known to hold.
#[derive(Debug, Clone)]
pub(super) enum Binding<'a> {
    /// A constant string (`const k = 'innerHTML'`).
    Constant(Cow<'a, str>),
    /// Another name for a global (`const d = document`).
    Alias(Global),
    /// Anything else; it shadows a global of the same name.
    Opaque,
}

/// Lexical scopes of declared names, innermost last.
#[derive(Debug)]
pub(super) struct Scopes<'a> {
    frames: Vec<HashMap<&'a str, Binding<'a>>>,
}

impl<'a> Scopes<'a> {
    pub(super) fn new() -> Self {
        Scopes {
            frames: vec![HashMap::new()],
        }
    }

    pub(super) fn enter(&mut self) {
        self.frames.push(HashMap::new());
    }

    pub(super) fn leave(&mut self) {
        // The outermost frame stays, so a stray extra leave cannot empty it.
        if self.frames.len() > 1 {
            self.frames.pop();
        }
    }

    pub(super) fn declare(&mut self, name: &'a str, binding: Binding<'a>) {
        if let Some(frame) = self.frames.last_mut() {
            frame.insert(name, binding);
        }
    }

    /// Whether no declaration seen so far binds `name`, so it still names
    /// the global.
    pub(super) fn is_unbound(&self, name: &str) -> bool {
        self.lookup(name).is_none()
    }

    fn lookup(&self, name: &str) -> Option<&Binding<'a>> {
        self.frames.iter().rev().find_map(|frame| frame.get(name))
    }

    /// What a declaration's initialiser makes its name hold.
    pub(super) fn binding_for(&self, init: Option<&Expression<'a>>, constant: bool) -> Binding<'a> {
        let Some(init) = init else {
            return Binding::Opaque;
        };
        if let Some(global) = self.global(init) {
            return Binding::Alias(global);
        }
        // Only `const` strings are folded: a `let` may be reassigned later
        // with data, and treating it as constant would hide a real sink.
        if constant && let Some(text) = self.fold(init) {
            return Binding::Constant(text);
        }
        Binding::Opaque
    }

    /// The constant string `expr` always evaluates to, if it is one.
    pub(super) fn fold(&self, expr: &Expression<'a>) -> Option<Cow<'a, str>> {
        self.fold_depth(expr, 0)
    }

    fn fold_depth(&self, expr: &Expression<'a>, depth: u32) -> Option<Cow<'a, str>> {
        // Deeply nested concatenations are folded only so far: a bound keeps
        // a hostile input from exhausting the stack.
        if depth > 64 {
            return None;
        }
        match strip(expr) {
            Expression::StringLiteral(literal) => Some(Cow::Borrowed(literal.value.as_str())),
            Expression::NumericLiteral(number) => Some(Cow::Owned(number_to_string(number.value))),
            Expression::BooleanLiteral(boolean) => {
                Some(Cow::Borrowed(if boolean.value { "true" } else { "false" }))
            }
            Expression::NullLiteral(_) => Some(Cow::Borrowed("null")),
            Expression::TemplateLiteral(template) => self.fold_template(template, depth),
            Expression::BinaryExpression(binary) => self.fold_binary(binary, depth),
            Expression::Identifier(identifier) => match self.lookup(identifier.name.as_str()) {
                Some(Binding::Constant(text)) => Some(text.clone()),
                _ => None,
            },
            Expression::CallExpression(call) => self.fold_call(call, depth),
            _ => None,
        }
    }

    fn fold_template(&self, template: &TemplateLiteral<'a>, depth: u32) -> Option<Cow<'a, str>> {
        if template.expressions.is_empty() {
            let quasi = template.quasis.first()?;
            return quasi
                .value
                .cooked
                .map(|cooked| Cow::Borrowed(cooked.as_str()));
        }
        let mut text = String::new();
        for (index, quasi) in template.quasis.iter().enumerate() {
            let cooked = quasi.value.cooked?;
            if !fits([text.len(), cooked.len()]) {
                return None;
            }
            text.push_str(cooked.as_str());
            if let Some(expression) = template.expressions.get(index) {
                let folded = self.fold_depth(expression, depth + 1)?;
                if !fits([text.len(), folded.len()]) {
                    return None;
                }
                text.push_str(&folded);
            }
        }
        Some(Cow::Owned(text))
    }

    fn fold_binary(&self, binary: &BinaryExpression<'a>, depth: u32) -> Option<Cow<'a, str>> {
        if binary.operator != BinaryOperator::Addition {
            return None;
        }
        // `1 + 2` is arithmetic, not concatenation; only fold when a string
        // takes part.
        if is_number(&binary.left) && is_number(&binary.right) {
            return None;
        }
        let left = self.fold_depth(&binary.left, depth + 1)?;
        let right = self.fold_depth(&binary.right, depth + 1)?;
        if !fits([left.len(), right.len()]) {
            return None;
        }
        Some(Cow::Owned(format!("{left}{right}")))
    }

    /// Folds the few string-building calls that evasions favour:
    /// `'a'.concat('b')`, `['a', 'b'].join('')`, `String(…)` and
    /// `String.fromCharCode(…)`.
    fn fold_call(&self, call: &CallExpression<'a>, depth: u32) -> Option<Cow<'a, str>> {
        let arguments: Option<Vec<&Expression<'a>>> = call
            .arguments
            .iter()
            .map(|argument| argument.as_expression())
            .collect();
        let arguments = arguments?;
        let callee = strip(&call.callee);
        if self.global(callee) == Some(Global::StringConstructor) {
            return match arguments.as_slice() {
                [] => Some(Cow::Borrowed("")),
                [only] => self.fold_depth(only, depth + 1),
                _ => None,
            };
        }
        let member = callee.as_member_expression()?;
        let method = self.member_name(member)?;
        match method.as_ref() {
            "concat" => {
                let object = self.fold_depth(member.object(), depth + 1)?;
                if !fits([object.len()]) {
                    return None;
                }
                let mut text = object.into_owned();
                for argument in arguments {
                    let folded = self.fold_depth(argument, depth + 1)?;
                    if !fits([text.len(), folded.len()]) {
                        return None;
                    }
                    text.push_str(&folded);
                }
                Some(Cow::Owned(text))
            }
            "join" => {
                let Expression::ArrayExpression(array) = strip(member.object()) else {
                    return None;
                };
                let separator = match arguments.first() {
                    Some(separator) => self.fold_depth(separator, depth + 1)?,
                    None => Cow::Borrowed(","),
                };
                // The separator goes between every two parts, so the
                // result is measured as it grows, before it is built.
                let mut parts: Vec<Cow<'a, str>> = Vec::new();
                let mut length = 0usize;
                for element in &array.elements {
                    let part = match element {
                        ArrayExpressionElement::StringLiteral(literal) => {
                            Cow::Borrowed(literal.value.as_str())
                        }
                        _ => self.fold_depth(element.as_expression()?, depth + 1)?,
                    };
                    let gap = if parts.is_empty() { 0 } else { separator.len() };
                    if !fits([length, gap, part.len()]) {
                        return None;
                    }
                    length += gap + part.len();
                    parts.push(part);
                }
                Some(Cow::Owned(parts.join(separator.as_ref())))
            }
            "fromCharCode" if self.global(member.object()) == Some(Global::StringConstructor) => {
                if !fits([arguments.len()]) {
                    return None;
                }
                let mut text = String::new();
                for argument in arguments {
                    let Expression::NumericLiteral(number) = strip(argument) else {
                        return None;
                    };
                    // JavaScript truncates the code unit to 16 bits; lone
                    // surrogates cannot be part of a sink name, so give up.
                    let unit = (number.value as i64).rem_euclid(0x1_0000) as u32;
                    text.push(char::from_u32(unit)?);
                }
                Some(Cow::Owned(text))
            }
            _ => None,
        }
    }

    /// The leading constant part of a string expression: all of it when it
    /// folds, else the folded prefix of a concatenation or template.
    /// `'javascript:' + code` has the prefix `javascript:`.
    pub(super) fn prefix(&self, expr: &Expression<'a>) -> Option<Cow<'a, str>> {
        self.prefix_depth(expr, 0)
    }

    fn prefix_depth(&self, expr: &Expression<'a>, depth: u32) -> Option<Cow<'a, str>> {
        if let Some(whole) = self.fold(expr) {
            return Some(whole);
        }
        // A prefix nested in right operands (`a + (b + (c + …))`) is
        // followed only so far, like folding.
        if depth > 64 {
            return None;
        }
        match strip(expr) {
            Expression::BinaryExpression(binary) if binary.operator == BinaryOperator::Addition => {
                // `a + b + c` nests to the left: walk down to its first
                // operand in a loop, then read the operands in order for
                // as long as they fold.
                let mut operands = vec![&binary.right];
                let mut first = &binary.left;
                while let Expression::BinaryExpression(inner) = strip(first)
                    && inner.operator == BinaryOperator::Addition
                {
                    operands.push(&inner.right);
                    first = &inner.left;
                }
                let mut text = String::new();
                match self.fold(first) {
                    Some(folded) => push_within(&mut text, &folded),
                    None => return self.prefix_depth(first, depth + 1),
                }
                // Only the start of a prefix matters (its scheme, its
                // origin), so it stops growing at the folding bound.
                for operand in operands.into_iter().rev() {
                    if text.len() >= MAX_BUILT_BYTES {
                        break;
                    }
                    match self.fold(operand) {
                        Some(folded) => push_within(&mut text, &folded),
                        None => {
                            if let Some(partial) = self.prefix_depth(operand, depth + 1) {
                                push_within(&mut text, &partial);
                            }
                            break;
                        }
                    }
                }
                Some(Cow::Owned(text))
            }
            Expression::TemplateLiteral(template) => {
                let mut text = String::new();
                for (index, quasi) in template.quasis.iter().enumerate() {
                    if text.len() >= MAX_BUILT_BYTES {
                        break;
                    }
                    push_within(&mut text, quasi.value.cooked?.as_str());
                    match template.expressions.get(index).and_then(|e| self.fold(e)) {
                        Some(folded) => push_within(&mut text, &folded),
                        None => break,
                    }
                }
                Some(Cow::Owned(text))
            }
            _ => None,
        }
    }

    /// The property name of a member expression, folding computed keys.
    pub(super) fn member_name(&self, member: &MemberExpression<'a>) -> Option<Cow<'a, str>> {
        match member {
            MemberExpression::StaticMemberExpression(member) => {
                Some(Cow::Borrowed(member.property.name.as_str()))
            }
            MemberExpression::ComputedMemberExpression(member) => self.fold(&member.expression),
            MemberExpression::PrivateFieldExpression(_) => None,
        }
    }

    /// The browser global `expr` refers to, following aliases and
    /// properties of `window` (`window.document`, `globalThis['eval']`).
    pub(super) fn global(&self, expr: &Expression<'a>) -> Option<Global> {
        self.global_depth(expr, 0)
    }

    fn global_depth(&self, expr: &Expression<'a>, depth: u32) -> Option<Global> {
        if depth > 64 {
            return None;
        }
        match strip(expr) {
            Expression::Identifier(identifier) => match self.lookup(identifier.name.as_str()) {
                Some(Binding::Alias(global)) => Some(*global),
                Some(_) => None,
                None => Global::named(identifier.name.as_str()),
            },
            expression => {
                let member = expression.as_member_expression()?;
                let owner = self.global_depth(member.object(), depth + 1)?;
                let name = self.member_name(member)?;
                match (owner, name.as_ref()) {
                    (Global::Window, name) => Global::named(name),
                    (Global::Document, "location") => Some(Global::Location),
                    (Global::Document, "defaultView") => Some(Global::Window),
                    (Global::Navigator, "serviceWorker") => Some(Global::ServiceWorkerContainer),
                    _ => None,
                }
            }
        }
    }

    /// Whether `expr` always evaluates to the same primitive value: such a
    /// value cannot carry data from outside the script.
    pub(super) fn is_constant(&self, expr: &Expression<'a>) -> bool {
        match strip(expr) {
            Expression::NullLiteral(_)
            | Expression::BooleanLiteral(_)
            | Expression::BigIntLiteral(_)
            | Expression::NumericLiteral(_) => true,
            Expression::Identifier(identifier)
                if identifier.name.as_str() == "undefined"
                    && self.lookup("undefined").is_none() =>
            {
                true
            }
            Expression::UnaryExpression(unary) => self.is_constant(&unary.argument),
            // `open ? '<b>open</b>' : ''` picks between constants: the
            // condition chooses, but cannot inject anything.
            Expression::ConditionalExpression(conditional) => {
                self.is_constant(&conditional.consequent)
                    && self.is_constant(&conditional.alternate)
            }
            other => self.fold(other).is_some(),
        }
    }
}

/// Looks through parentheses, TypeScript wrappers and comma sequences (the
/// value of `(0, eval)` is `eval`).
pub(super) fn strip<'e, 'a>(expr: &'e Expression<'a>) -> &'e Expression<'a> {
    let mut current = expr.get_inner_expression();
    while let Expression::SequenceExpression(sequence) = current {
        match sequence.expressions.last() {
            Some(last) => current = last.get_inner_expression(),
            None => break,
        }
    }
    current
}

fn is_number(expr: &Expression<'_>) -> bool {
    matches!(strip(expr), Expression::NumericLiteral(_))
}

/// Formats a number the way JavaScript's `String(n)` does for the values
/// that matter here (integers and simple decimals).
fn number_to_string(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e21 {
        format!("{}", value as i64)
    } else {
        format!("{value}")
    }
}
