//! Static scoping as Nix's parser does it (`bindVars`): every variable must be bound.
//!
//! Nix binds each variable to a `let`, a `rec` set, a function argument, or the global
//! scope ([`super::builtins`]) right after parsing, and fails with "undefined variable 'x'"
//! otherwise. The scopes, from `src/libexpr/nixexpr.cc`:
//! - `let` and `rec { }`: every static name of the merged set (see [`super::dupattr`]),
//!   for the values, dynamic names and `inherit (e)` sources; `inherit x;` looks `x` up in
//!   the scope *around* the `let` or set;
//! - a function: its argument, or its formals and `@` name (default values see them all);
//! - `with e; body`: `e` is checked, but the body is not: any free name may come from `e`;
//! - everything else (strings, `or` defaults, attribute-path interpolations, `assert`,
//!   `if`, operators, `?`) passes the scope down unchanged.
//!
//! One iterative walk with an explicit stack (deep `a + b + …` chains cannot overflow), and
//! a map of visible names to counts: names are slices of the source, not copies.

use rnix::{SyntaxKind as K, SyntaxNode};

use super::builtins::is_global;
use super::dupattr::{Def, Name, Sets, offset, slice};
use super::fxhash::FxMap;
use super::syntax::{ErrorKind, Problem};

enum Work {
    Expr(SyntaxNode),
    /// A set of the merged tree; `scoped` when its names are variables (`rec`, `let`),
    /// and the `let` body to check in that scope.
    Set {
        id: u32,
        scoped: bool,
        body: Option<SyntaxNode>,
    },
    /// Leave the innermost `n` names.
    Pop(usize),
}

struct Walk<'t, 's> {
    text: &'t str,
    sets: &'s Sets<'t>,
    visible: FxMap<Name<'t>, u32>,
    pushed: Vec<Name<'t>>,
    undefined: Vec<Problem>,
}

/// Every undefined variable under `root`, in no particular order.
pub(crate) fn undefined<'t>(text: &'t str, root: &SyntaxNode, sets: &Sets<'t>) -> Vec<Problem> {
    let mut w = Walk { text, sets, visible: FxMap::default(), pushed: Vec::new(), undefined: Vec::new() };
    let mut stack: Vec<Work> = root.children().map(Work::Expr).collect();
    while let Some(work) = stack.pop() {
        match work {
            Work::Expr(node) => w.expr(node, &mut stack),
            Work::Set { id, scoped, body } => w.set(id, scoped, body, &mut stack),
            Work::Pop(n) => w.pop(n),
        }
    }
    w.undefined
}

impl<'t> Walk<'t, '_> {
    fn push(&mut self, name: Name<'t>) {
        *self.visible.entry(name.clone()).or_insert(0) += 1;
        self.pushed.push(name);
    }

    fn pop(&mut self, n: usize) {
        for _ in 0..n {
            let Some(name) = self.pushed.pop() else { return };
            if let Some(c) = self.visible.get_mut(&name) {
                *c -= 1;
                if *c == 0 {
                    self.visible.remove(&name);
                }
            }
        }
    }

    fn lookup(&mut self, name: &str, at: usize) {
        if !self.visible.contains_key(name) && !is_global(name) {
            let message = format!("undefined variable '{name}'");
            self.undefined.push(Problem::at(ErrorKind::UndefinedVariable, at, message));
        }
    }

    fn expr(&mut self, node: SyntaxNode, stack: &mut Vec<Work>) {
        match node.kind() {
            K::NODE_IDENT => {
                let name = slice(self.text, &node);
                // `f or` is `f` applied to the variable `or`, positioned at `f`.
                let at = match node.parent() {
                    Some(p) if name == "or" && p.kind() == K::NODE_APPLY => offset(&p),
                    _ => offset(&node),
                };
                self.lookup(name, at);
            }
            K::NODE_CUR_POS => {}
            K::NODE_WITH => stack.extend(node.children().next().map(Work::Expr)),
            K::NODE_ATTR_SET | K::NODE_LEGACY_LET | K::NODE_LET_IN => {
                let Some(&id) = self.sets.roots.get(&offset(&node)) else { return };
                let is_let = node.kind() == K::NODE_LET_IN;
                let body = if is_let {
                    node.children().filter(|c| c.kind() != K::NODE_ATTRPATH_VALUE && c.kind() != K::NODE_INHERIT).last()
                } else {
                    None
                };
                let scoped = is_let || self.sets.sets[id as usize].rec;
                stack.push(Work::Set { id, scoped, body });
            }
            K::NODE_LAMBDA => self.lambda(&node, stack),
            K::NODE_ATTRPATH => stack.extend(node.children().filter(|c| c.kind() != K::NODE_IDENT).map(Work::Expr)),
            _ => stack.extend(node.children().map(Work::Expr)),
        }
    }

    fn lambda(&mut self, node: &SyntaxNode, stack: &mut Vec<Work>) {
        let mut names = 0;
        let mut defaults = Vec::new();
        let mut body = None;
        for child in node.children() {
            match child.kind() {
                K::NODE_IDENT_PARAM => {
                    if let Some(id) = child.children().next() {
                        self.push(Name::Borrowed(slice(self.text, &id)));
                        names += 1;
                    }
                }
                K::NODE_PATTERN => {
                    for part in child.children() {
                        let mut inner = part.children();
                        if let Some(id) = inner.next().filter(|i| i.kind() == K::NODE_IDENT) {
                            self.push(Name::Borrowed(slice(self.text, &id)));
                            names += 1;
                        }
                        if part.kind() == K::NODE_PAT_ENTRY {
                            defaults.extend(inner);
                        }
                    }
                }
                _ => body = Some(child),
            }
        }
        stack.push(Work::Pop(names));
        stack.extend(body.map(Work::Expr));
        stack.extend(defaults.into_iter().map(Work::Expr));
    }

    fn set(&mut self, id: u32, scoped: bool, body: Option<SyntaxNode>, stack: &mut Vec<Work>) {
        let sets = self.sets;
        let set = &sets.sets[id as usize];
        // `inherit x;` reads the scope around the set, before its own names are pushed.
        for e in &set.entries {
            if let Def::Inherit { at } = e.def {
                self.lookup(&e.name, at);
            }
        }
        if scoped {
            for e in &set.entries {
                self.push(e.name.clone());
            }
            stack.push(Work::Pop(set.entries.len()));
        }
        stack.extend(body.map(Work::Expr));
        let defs = set.entries.iter().map(|e| &e.def).chain(set.dynamics.iter().map(|(_, d)| d));
        for def in defs {
            match def {
                Def::Value(n) | Def::InheritFrom(Some(n)) => stack.push(Work::Expr(n.clone())),
                Def::Set(inner) => {
                    let rec = sets.sets[*inner as usize].rec;
                    stack.push(Work::Set { id: *inner, scoped: rec, body: None });
                }
                Def::Inherit { .. } | Def::InheritFrom(None) => {}
            }
        }
        stack.extend(set.dynamics.iter().map(|(n, _)| Work::Expr(n.clone())));
    }
}
