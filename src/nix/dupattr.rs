//! Attribute sets as Nix's parser builds them: merged, with duplicates rejected.
//!
//! Nix (`src/libexpr/parser.y`, `addAttr`) turns the bindings of one `{ … }`, `rec { … }` or
//! `let … in` into a tree of attribute sets while it parses: `a.b = 1;` creates (or enters)
//! the set `a`; `a = { … };` next to an existing set `a` moves its attributes into that set
//! (recursively, as Nix 2.26 and later do; a clash below the first level is kept apart in
//! `nested`, because Nix 2.8 to 2.25 reject it); any other second definition of a name is
//! "attribute 'a.b' already defined". `inherit` defines its names too. Dynamic names (`${e}`, `"${e}"`) are never
//! compared. The resulting tree decides scoping as well (a `rec` set's scope holds what was
//! merged into it, not what it was merged into), so [`Sets`] keeps it for `scope.rs`.
//!
//! This pass also rejects the other structural errors of Nix 2.8's parser that rnix
//! accepts: duplicate formal arguments, dynamic names in `let` and `inherit`, and `''…''`
//! strings as attribute names. Each finding carries the offset where Nix detects it, so the
//! caller can report the error Nix reports first.

use std::borrow::Cow;

use rnix::{SyntaxKind as K, SyntaxNode, SyntaxToken};

use super::fxhash::{FxMap, FxSet};
use super::literal::read_string;
use super::syntax::{ErrorKind, Problem};

/// A static attribute name: a slice of the source, or a decoded string.
pub(crate) type Name<'t> = Cow<'t, str>;

/// What a name is bound to.
#[derive(Debug)]
pub(crate) enum Def {
    /// An expression, scoped by the set that holds it.
    Value(SyntaxNode),
    /// An attribute set (a literal `{ … }` or one made by `a.b = …`).
    Set(u32),
    /// `inherit x;`: the variable `x` of the scope around the set; `at` is where Nix
    /// reports it undefined (the end of the `{` or `let` before the bindings).
    Inherit { at: usize },
    /// `inherit (e) x;`: `e`, scoped by the set (only on the first name of the statement).
    InheritFrom(Option<SyntaxNode>),
}

#[derive(Debug)]
pub(crate) struct Entry<'t> {
    pub name: Name<'t>,
    /// Where Nix positions this definition in its messages.
    pub pos: usize,
    pub def: Def,
}

/// One attribute set of the merged tree.
#[derive(Debug, Default)]
pub(crate) struct Set<'t> {
    pub rec: bool,
    pub entries: Vec<Entry<'t>>,
    /// Dynamic attributes: the name expression and its definition.
    pub dynamics: Vec<(SyntaxNode, Def)>,
}

/// Every attribute set of a file, after merging, and the structural errors found.
#[derive(Debug, Default)]
pub(crate) struct Sets<'t> {
    pub sets: Vec<Set<'t>>,
    index: FxMap<(u32, Name<'t>), u32>,
    /// Sets in expression position (not merged into a parent binding), by node offset.
    pub roots: FxMap<usize, u32>,
    absorbed: FxSet<usize>,
    pub problems: Vec<Problem>,
    /// Nested sets merged the way Nix 2.26 and later merge them, which older Nix rejects
    /// as duplicates (`a = { b.x = 1; }; a = { b.y = 2; };`): warnings, not errors.
    pub nested: Vec<Problem>,
}

/// One element of an attribute path.
enum Elem<'t> {
    Static(Name<'t>),
    Dynamic(SyntaxNode),
}

impl<'t> Sets<'t> {
    /// Builds the merged sets of every binding construct under `root`.
    pub fn build(text: &'t str, root: &SyntaxNode) -> Sets<'t> {
        let mut s = Sets::default();
        for node in root.descendants() {
            match node.kind() {
                K::NODE_ATTR_SET | K::NODE_LET_IN | K::NODE_LEGACY_LET => {
                    if node.kind() == K::NODE_LET_IN {
                        s.needs_parens(&node);
                    }
                    let at = offset(&node);
                    if !s.absorbed.contains(&at) {
                        let id = s.binds(text, &node);
                        s.roots.insert(at, id);
                    }
                }
                K::NODE_LAMBDA => {
                    s.formals(text, &node);
                    s.needs_parens(&node);
                }
                K::NODE_IF_ELSE | K::NODE_WITH | K::NODE_ASSERT => s.needs_parens(&node),
                // `''a'' = 1;` and `x.''a''`: Nix's grammar has no indented string as a name
                // (those in `inherit` are found with its other names).
                K::NODE_STRING
                    if text.as_bytes().get(offset(&node)) == Some(&b'\'')
                        && node.parent().is_some_and(|p| p.kind() == K::NODE_ATTRPATH) =>
                {
                    s.ind_string(&node)
                }
                _ => {}
            }
        }
        s
    }

    fn new_set(&mut self, rec: bool) -> u32 {
        self.sets.push(Set { rec, ..Set::default() });
        (self.sets.len() - 1) as u32
    }

    fn find(&self, set: u32, name: &Name<'t>) -> Option<usize> {
        self.index.get(&(set, name.clone())).map(|&i| i as usize)
    }

    fn insert(&mut self, set: u32, entry: Entry<'t>) {
        let entries = &mut self.sets[set as usize].entries;
        self.index.insert((set, entry.name.clone()), entries.len() as u32);
        entries.push(entry);
    }

    fn problem(&mut self, kind: ErrorKind, detect: usize, offset: usize, message: String, prev: Option<usize>) {
        self.problems.push(Problem { kind, detect, offset, message, prev, body: None });
    }

    /// An error Nix finds when it reduces `node` (a function or `let`) with this body.
    fn on_reduce(&mut self, kind: ErrorKind, node: &SyntaxNode, offset: usize, message: String) {
        let body = node.children().last().map(|b| (self::offset(&b), end(b.text_range())));
        self.problems.push(Problem { kind, detect: end(node.text_range()), offset, message, prev: None, body });
    }

    /// The bindings of an attribute set, `let … in` or `let { … }`, as a new set.
    fn binds(&mut self, text: &'t str, node: &SyntaxNode) -> u32 {
        let at = offset(node);
        let first = text.as_bytes().get(at).copied();
        let rec = match node.kind() {
            K::NODE_ATTR_SET => first == Some(b'r'),
            K::NODE_LEGACY_LET => true,
            _ => false,
        };
        let id = self.new_set(rec);
        // Nix positions an `inherit x;` variable at the end of the token before the bindings:
        // `{` or `let`, found without a token walk in the common cases.
        let binds_at = match (node.kind(), first) {
            (K::NODE_LET_IN, _) => at + 3,
            (K::NODE_ATTR_SET, Some(b'{')) => at + 1,
            _ => token(node, K::TOKEN_L_BRACE).map_or(at, |t| end(t.text_range())),
        };
        for child in node.children() {
            match child.kind() {
                K::NODE_ATTRPATH_VALUE => self.binding(text, id, &child),
                K::NODE_INHERIT => self.inherit(text, id, &child, binds_at),
                _ => {}
            }
        }
        if node.kind() == K::NODE_LET_IN && !self.sets[id as usize].dynamics.is_empty() {
            let message = "dynamic attributes not allowed in let".to_owned();
            self.on_reduce(ErrorKind::Syntax, node, offset(node), message);
        }
        id
    }

    /// `path = value;`: Nix's `addAttr`.
    fn binding(&mut self, text: &'t str, set: u32, node: &SyntaxNode) {
        let mut children = node.children();
        let (Some(path_node), Some(value)) = (children.next(), children.next()) else { return };
        let pos = offset(&path_node);
        let detect = end(node.text_range());
        let path: Vec<Elem<'t>> = path_node
            .children()
            .map(|c| match static_name(text, &c) {
                Some(n) => Elem::Static(n),
                None => Elem::Dynamic(c),
            })
            .collect();
        let Some((last, init)) = path.split_last() else { return };
        let mut cur = set;
        for elem in init {
            match elem {
                Elem::Static(name) => match self.find(cur, name) {
                    Some(i) => match self.sets[cur as usize].entries[i].def {
                        Def::Set(inner) => cur = inner,
                        _ => {
                            let prev = self.sets[cur as usize].entries[i].pos;
                            let msg = already(&show_path(&path));
                            return self.problem(ErrorKind::DuplicateAttribute, detect, pos, msg, Some(prev));
                        }
                    },
                    None => {
                        let inner = self.new_set(false);
                        self.insert(cur, Entry { name: name.clone(), pos, def: Def::Set(inner) });
                        cur = inner;
                    }
                },
                Elem::Dynamic(n) => {
                    let inner = self.new_set(false);
                    self.sets[cur as usize].dynamics.push((n.clone(), Def::Set(inner)));
                    cur = inner;
                }
            }
        }
        let def = match literal_set(&value) {
            Some(lit) => {
                self.absorbed.insert(offset(&lit));
                Def::Set(self.binds(text, &lit))
            }
            None => Def::Value(value),
        };
        match last {
            Elem::Dynamic(n) => self.sets[cur as usize].dynamics.push((n.clone(), def)),
            Elem::Static(name) => match self.find(cur, name) {
                None => self.insert(cur, Entry { name: name.clone(), pos, def }),
                Some(i) => {
                    let old = &self.sets[cur as usize].entries[i];
                    match (&old.def, def) {
                        (Def::Set(into), Def::Set(from)) => self.merge(*into, from, detect),
                        _ => {
                            let prev = old.pos;
                            let msg = already(&show_path(&path));
                            self.problem(ErrorKind::DuplicateAttribute, detect, pos, msg, Some(prev));
                        }
                    }
                }
            },
        }
    }

    /// `a = { … }; a = { … };`: the second set's attributes move into the first. Nix 2.8
    /// drops the second set's dynamic attributes, and keeps the first set's `rec`. A name
    /// that both sets define as sets is merged again, as Nix 2.26 and later do; Nix 2.8 to
    /// 2.25 reject it, so it is noted in `nested` (a warning, not an error).
    fn merge(&mut self, into: u32, from: u32, detect: usize) {
        let entries = std::mem::take(&mut self.sets[from as usize].entries);
        // Nix stops at the first clash in its own (address) order of names: list them all.
        for e in entries {
            if let Some(i) = self.find(into, &e.name) {
                let old = &self.sets[into as usize].entries[i];
                let first = old.pos;
                // Nix positions this one at the first definition, naming the second.
                let msg = already(&e.name);
                if let (Def::Set(a), Def::Set(b)) = (&old.def, &e.def) {
                    let (a, b) = (*a, *b);
                    let msg = format!("Nix before 2.26 rejects this: {msg}");
                    self.nested.push(Problem {
                        kind: ErrorKind::NestedMerge,
                        detect,
                        offset: first,
                        message: msg,
                        prev: Some(e.pos),
                        body: None,
                    });
                    self.merge(a, b, detect);
                    continue;
                }
                self.problem(ErrorKind::DuplicateAttribute, detect, first, msg, Some(e.pos));
                continue;
            }
            self.insert(into, e);
        }
    }

    /// `inherit a b;` and `inherit (e) a b;`.
    fn inherit(&mut self, text: &'t str, set: u32, node: &SyntaxNode, binds_at: usize) {
        let from = node.children().find(|c| c.kind() == K::NODE_INHERIT_FROM);
        // Nix positions the names at the end of `inherit`, or of `(e)`.
        let pos = match &from {
            Some(f) => end(f.text_range()),
            None => token(node, K::TOKEN_INHERIT).map_or(offset(node), |t| end(t.text_range())),
        };
        let inherit_from = from.is_some();
        let mut from_expr = from.and_then(|f| f.children().next());
        for child in node.children().filter(|c| c.kind() != K::NODE_INHERIT_FROM) {
            if is_ind_string(&child) {
                self.ind_string(&child);
                continue;
            }
            let Some(name) = static_name(text, &child) else {
                let msg = "dynamic attributes not allowed in inherit".to_owned();
                self.problem(ErrorKind::Syntax, end(child.text_range()), offset(&child), msg, None);
                continue;
            };
            if let Some(i) = self.find(set, &name) {
                let prev = self.sets[set as usize].entries[i].pos;
                self.problem(ErrorKind::DuplicateAttribute, end(node.text_range()), pos, already(&name), Some(prev));
                continue;
            }
            let def = if inherit_from { Def::InheritFrom(from_expr.take()) } else { Def::Inherit { at: binds_at } };
            self.insert(set, Entry { name, pos, def });
        }
    }

    /// rnix accepts a function, `let`, `if`, `with` or `assert` where Nix's grammar wants
    /// a simpler expression: a list element (`[ x: x ]`), and, for a function, an argument
    /// or operand (`f { a }: a`, `1 + x: x`, `a.b or x: x`).
    fn needs_parens(&mut self, node: &SyntaxNode) {
        let lambda = node.kind() == K::NODE_LAMBDA;
        let message = match node.parent().map(|p| p.kind()) {
            Some(K::NODE_LIST) => {
                "syntax error: a list element that is a function, `let`, `if`, `with` or `assert` needs parentheses"
            }
            Some(K::NODE_APPLY | K::NODE_BIN_OP | K::NODE_UNARY_OP | K::NODE_SELECT | K::NODE_HAS_ATTR) if lambda => {
                "syntax error: a function as an argument or operand needs parentheses"
            }
            _ => return,
        };
        self.problems.push(Problem::at(ErrorKind::Syntax, offset(node), message.into()));
    }

    fn ind_string(&mut self, node: &SyntaxNode) {
        let msg = "syntax error, unexpected IND_STRING_OPEN".to_owned();
        self.problem(ErrorKind::Syntax, offset(node), offset(node), msg, None);
    }

    /// Duplicate formal arguments, `{ a, a }:` and `a@{ a }:`, checked when Nix reduces
    /// the whole function.
    fn formals(&mut self, text: &'t str, lambda: &SyntaxNode) {
        let Some(pattern) = lambda.children().find(|c| c.kind() == K::NODE_PATTERN) else { return };
        let ident =
            |n: &SyntaxNode| n.children().find(|c| c.kind() == K::NODE_IDENT).map(|i| (offset(&i), slice(text, &i)));
        let mut seen: FxSet<&str> = FxSet::default();
        let mut dup = false;
        for entry in pattern.children().filter(|c| c.kind() == K::NODE_PAT_ENTRY) {
            if let Some((at, name)) = ident(&entry)
                && !seen.insert(name)
            {
                dup = true;
                let msg = format!("duplicate formal function argument '{name}'");
                self.on_reduce(ErrorKind::DuplicateAttribute, lambda, at, msg);
            }
        }
        if dup {
            return;
        }
        let bind = pattern.children().find(|c| c.kind() == K::NODE_PAT_BIND).and_then(|b| ident(&b));
        if let Some((_, name)) = bind.filter(|(_, n)| seen.contains(n)) {
            let msg = format!("duplicate formal function argument '{name}'");
            self.on_reduce(ErrorKind::DuplicateAttribute, lambda, offset(lambda), msg);
        }
    }
}

/// The attribute set a binding's value is, through parentheses (what Nix merges).
fn literal_set(value: &SyntaxNode) -> Option<SyntaxNode> {
    let mut v = value.clone();
    while v.kind() == K::NODE_PAREN {
        v = v.children().next()?;
    }
    (v.kind() == K::NODE_ATTR_SET).then_some(v)
}

/// The name of an attribute path element or `inherit` name, if Nix treats it as static:
/// an identifier, a `"…"` string without interpolation, or `${ "…" }`.
pub(crate) fn static_name<'t>(text: &'t str, node: &SyntaxNode) -> Option<Name<'t>> {
    match node.kind() {
        K::NODE_IDENT => Some(Cow::Borrowed(slice(text, node))),
        K::NODE_STRING if !is_ind_string(node) => read_string(node).map(Cow::Owned),
        K::NODE_DYNAMIC => {
            let mut inner = node.children().next()?;
            while inner.kind() == K::NODE_PAREN {
                inner = inner.children().next()?;
            }
            (inner.kind() == K::NODE_STRING).then(|| read_string(&inner)).flatten().map(Cow::Owned)
        }
        _ => None,
    }
}

fn is_ind_string(node: &SyntaxNode) -> bool {
    node.kind() == K::NODE_STRING && node.first_token().is_some_and(|t| t.text() == "''")
}

fn already(path: &str) -> String {
    format!("attribute '{path}' already defined at")
}

fn show_path(path: &[Elem<'_>]) -> String {
    let parts: Vec<String> = path
        .iter()
        .map(|e| match e {
            Elem::Static(n) => n.to_string(),
            Elem::Dynamic(n) => format!("\"{}\"", n.text()),
        })
        .collect();
    parts.join(".")
}

fn token(node: &SyntaxNode, kind: K) -> Option<SyntaxToken> {
    node.children_with_tokens().filter_map(|e| e.into_token()).find(|t| t.kind() == kind)
}

pub(crate) fn offset(node: &SyntaxNode) -> usize {
    usize::from(node.text_range().start())
}

fn end(r: rnix::TextRange) -> usize {
    usize::from(r.end())
}

/// The source text of a node, borrowed from the file (no allocation).
pub(crate) fn slice<'t>(text: &'t str, node: &SyntaxNode) -> &'t str {
    let r = node.text_range();
    text.get(usize::from(r.start())..usize::from(r.end())).unwrap_or_default()
}
