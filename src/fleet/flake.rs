//! Hosts of a flake, read statically: `nixosConfigurations.NAME = <x>.lib.nixosSystem { modules
//! = [ … ]; }` (and `darwinConfigurations`/`darwinSystem`, `homeConfigurations`/
//! `homeManagerConfiguration`), through the common indirections: a `let`-bound helper called
//! with the host's name (`mkHost = name: nixosSystem { modules = [ ./hosts/${name} ]; }`),
//! `genAttrs`/`mapAttrs` over a literal list or set of names, `self.nixosModules.X` of the same
//! flake, lists bound in a `let`, `++` and `lib.optional(s)`. flake-parts layouts
//! (`flake.nixosConfigurations`) are the same attribute paths one level down.
//!
//! Nothing is evaluated: what is not literal (an input's module, a computed path, a
//! `listToAttrs`) is returned as unresolved with its line, never dropped.

use std::collections::HashMap;

use rnix::{SyntaxKind as K, SyntaxNode};

use crate::nix::literal::read_string;
use crate::nix::locate::{attr_names, call_parts};

/// What builds a host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum HostKind {
    Nixos,
    Darwin,
    Home,
}

impl HostKind {
    fn of_collection(name: &str) -> Option<HostKind> {
        match name {
            "nixosConfigurations" => Some(HostKind::Nixos),
            "darwinConfigurations" => Some(HostKind::Darwin),
            "homeConfigurations" => Some(HostKind::Home),
            _ => None,
        }
    }

    /// The attribute of a flake's outputs that holds such hosts.
    pub fn collection(self) -> &'static str {
        match self {
            HostKind::Nixos => "nixosConfigurations",
            HostKind::Darwin => "darwinConfigurations",
            HostKind::Home => "homeConfigurations",
        }
    }
}

/// One module of a host's `modules` list that is a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModulePath {
    /// Relative to the flake's directory (`./hosts/mimosa`), interpolations substituted.
    pub path: String,
    pub conditional: bool,
}

/// One host as the flake declares it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostDecl {
    pub name: String,
    pub kind: HostKind,
    /// Byte offset of the declaration in flake.nix.
    pub offset: usize,
    pub modules: Vec<ModulePath>,
    /// An inline module (`{ … }` in the list) is part of the host: flake.nix contributes.
    pub inline: bool,
    /// What could not be followed: byte offset and reason.
    pub unresolved: Vec<(usize, String)>,
}

/// What a helper's parameter is bound to.
#[derive(Debug, Clone)]
enum Val {
    Str(String),
    /// An expression of the flake (an attribute set of arguments, an inline module).
    Node(SyntaxNode),
    /// Not known statically (`nixpkgs`, a computed value): using it is unresolved.
    Unknown,
}

type Env = HashMap<String, Val>;

const SYSTEMS: &[&str] = &["nixosSystem", "darwinSystem", "homeManagerConfiguration"];
/// How deep helpers may call helpers before the reader gives up.
const MAX_DEPTH: usize = 12;

/// Every host the flake declares, in source order.
pub fn hosts(root: &SyntaxNode) -> Vec<HostDecl> {
    let mut out: Vec<HostDecl> = Vec::new();
    for b in root.descendants().filter(|n| n.kind() == K::NODE_ATTRPATH_VALUE) {
        let Some(names) = b.children().next().and_then(|p| attr_names(&p)) else { continue };
        let Some(value) = b.children().nth(1) else { continue };
        let n = names.len();
        if n >= 2
            && let Some(kind) = HostKind::of_collection(&names[n - 2])
        {
            out.push(host(&names[n - 1], kind, &value, &Env::new(), start(&b)));
        } else if let Some(kind) = names.last().and_then(|l| HostKind::of_collection(l)) {
            collection(kind, &value, start(&b), &mut out);
        }
    }
    // A collection set's members are also bindings `NAME = …` inside it: keep the first.
    let mut seen = std::collections::HashSet::new();
    out.retain(|h| seen.insert((h.kind, h.name.clone())));
    out
}

fn start(n: &SyntaxNode) -> usize {
    usize::from(n.text_range().start())
}

/// `nixosConfigurations = …` as a whole: a set of hosts, or genAttrs/mapAttrs over names.
fn collection(kind: HostKind, value: &SyntaxNode, at: usize, out: &mut Vec<HostDecl>) {
    let value = unparen(value);
    match value.kind() {
        K::NODE_ATTR_SET => {
            for b in value.children().filter(|c| c.kind() == K::NODE_ATTRPATH_VALUE) {
                let names = b.children().next().and_then(|p| attr_names(&p));
                let (Some(names), Some(v)) = (names, b.children().nth(1)) else { continue };
                if let [name] = names.as_slice() {
                    out.push(host(name, kind, &v, &Env::new(), start(&b)));
                }
            }
        }
        K::NODE_APPLY => {
            let Some((f, args)) = call_parts(&value) else { return unresolved_collection(kind, at, out) };
            match (f.as_str(), args.as_slice()) {
                ("genAttrs", [list, func]) => match string_list(list, 0) {
                    Some(names) => {
                        for name in names {
                            let decl = apply_fn(func, &[Val::Str(name.clone())], 0);
                            out.push(finish(name, kind, start(func), decl));
                        }
                    }
                    None => unresolved_collection(kind, at, out),
                },
                ("mapAttrs", [func, set]) => match literal_set(set, 0) {
                    Some(entries) => {
                        for (name, node) in entries {
                            let v = Val::Node(node.clone());
                            let decl = apply_fn(func, &[Val::Str(name.clone()), v], 0);
                            out.push(finish(name, kind, start(&node), decl));
                        }
                    }
                    None => unresolved_collection(kind, at, out),
                },
                _ => unresolved_collection(kind, at, out),
            }
        }
        // `{ … } // genAttrs …`: hosts from both sides.
        K::NODE_BIN_OP if value.children_with_tokens().any(|e| e.kind() == K::TOKEN_UPDATE) => {
            for side in value.children() {
                collection(kind, &side, at, out);
            }
        }
        _ => {
            if let Some(v) = lookup(&value) {
                collection(kind, &v, at, out);
            } else {
                unresolved_collection(kind, at, out);
            }
        }
    }
}

fn unresolved_collection(kind: HostKind, at: usize, out: &mut Vec<HostDecl>) {
    out.push(HostDecl {
        name: format!("({})", kind.collection()),
        kind,
        offset: at,
        modules: Vec::new(),
        inline: false,
        unresolved: vec![(
            at,
            format!("`{}` is computed: its hosts cannot be listed statically (try --eval)", kind.collection()),
        )],
    });
}

#[derive(Default)]
struct Found {
    modules: Vec<ModulePath>,
    inline: bool,
    unresolved: Vec<(usize, String)>,
    system: bool,
}

fn finish(name: String, kind: HostKind, offset: usize, mut f: Found) -> HostDecl {
    if !f.system {
        f.unresolved
            .push((offset, "no `nixosSystem`/`darwinSystem`/`homeManagerConfiguration` call could be followed".into()));
    }
    HostDecl { name, kind, offset, modules: f.modules, inline: f.inline, unresolved: f.unresolved }
}

fn host(name: &str, kind: HostKind, value: &SyntaxNode, env: &Env, offset: usize) -> HostDecl {
    let mut f = Found::default();
    system(value, env, 0, &mut f);
    finish(name.to_owned(), kind, offset, f)
}

/// Follows an expression to the system call and reads its modules.
fn system(expr: &SyntaxNode, env: &Env, depth: usize, f: &mut Found) {
    if depth > MAX_DEPTH {
        return f.unresolved.push((start(expr), "helpers nest too deeply".into()));
    }
    let expr = unparen(expr);
    match expr.kind() {
        K::NODE_LET_IN => {
            if let Some(body) = expr.children().last() {
                system(&body, env, depth + 1, f);
            }
        }
        K::NODE_APPLY => {
            let Some((name, args)) = call_parts(&expr) else {
                return f.unresolved.push((start(&expr), "a computed host".into()));
            };
            // flake-parts: `withSystem "x86_64-linux" ({ pkgs, ... }: nixosSystem { … })`.
            if name == "withSystem"
                && let Some(body) =
                    args.last().map(unparen).filter(|f| f.kind() == K::NODE_LAMBDA).and_then(|f| f.children().last())
            {
                return system(&body, env, depth + 1, f);
            }
            if SYSTEMS.contains(&name.as_str()) {
                f.system = true;
                match args.last().map(unparen).filter(|a| a.kind() == K::NODE_ATTR_SET) {
                    Some(set) => match binding(&set, "modules") {
                        Some(list) => modules(&list, env, false, depth, f),
                        None => {
                            f.unresolved.push((start(&set), "the system call has no literal `modules` list".into()))
                        }
                    },
                    None => f.unresolved.push((start(&expr), "the system call's argument is computed".into())),
                }
                return;
            }
            let mut vals: Vec<Val> = args.iter().map(|a| value_of(a, env)).collect();
            let mut func = head_of(&expr).as_ref().and_then(lookup);
            // `nixosConfig = nixosConfigWith nixpkgs;`: a helper partly applied in a `let`.
            for _ in 0..MAX_DEPTH {
                let Some(partial) = func.as_ref().map(unparen).filter(|f| f.kind() == K::NODE_APPLY) else { break };
                let Some((_, more)) = call_parts(&partial) else { break };
                let mut all: Vec<Val> = more.iter().map(|a| value_of(a, &Env::new())).collect();
                all.append(&mut vals);
                vals = all;
                func = head_of(&partial).as_ref().and_then(lookup);
            }
            match func {
                Some(func) => {
                    let inner = apply_fn(&func, &vals, depth + 1);
                    f.modules.extend(inner.modules);
                    f.inline |= inner.inline;
                    f.unresolved.extend(inner.unresolved);
                    f.system |= inner.system;
                }
                None => f.unresolved.push((start(&expr), format!("`{name}` is not a helper defined in this file"))),
            }
        }
        K::NODE_IDENT => match lookup(&expr) {
            Some(v) => system(&v, env, depth + 1, f),
            None => f.unresolved.push((start(&expr), format!("`{}` is not defined in this file", expr.text()))),
        },
        _ => f.unresolved.push((start(&expr), "a computed host".into())),
    }
}

/// Calls a lambda (or a name bound to one) with values, then follows its body.
fn apply_fn(func: &SyntaxNode, vals: &[Val], depth: usize) -> Found {
    let mut f = Found::default();
    let mut node = unparen(func);
    if node.kind() == K::NODE_IDENT {
        match lookup(&node) {
            Some(v) => node = unparen(&v),
            None => {
                f.unresolved.push((start(&node), format!("`{}` is not defined in this file", node.text())));
                return f;
            }
        }
    }
    let mut env = Env::new();
    for v in vals {
        if node.kind() != K::NODE_LAMBDA {
            break;
        }
        let mut ch = node.children();
        let (Some(param), Some(body)) = (ch.next(), ch.next()) else { break };
        bind(&param, v, &mut env);
        node = unparen(&body);
    }
    system(&node, &env, depth, &mut f);
    f
}

fn bind(param: &SyntaxNode, v: &Val, env: &mut Env) {
    match param.kind() {
        K::NODE_IDENT_PARAM => {
            if let Some(id) = param.children().next() {
                env.insert(id.text().to_string(), v.clone());
            }
        }
        K::NODE_PATTERN => {
            for entry in param.children() {
                let Some(id) = entry.children().find(|c| c.kind() == K::NODE_IDENT) else { continue };
                let name = id.text().to_string();
                match (entry.kind(), v) {
                    (K::NODE_PAT_ENTRY, Val::Node(set)) => {
                        if let Some(v) = binding(&unparen(set), &name) {
                            env.insert(name, value_of(&v, &Env::new()));
                        }
                    }
                    (K::NODE_PAT_BIND, _) => {
                        env.insert(name, v.clone());
                    }
                    _ => {}
                }
            }
        }
        _ => {}
    }
}

/// The modules of a `modules` list value.
fn modules(value: &SyntaxNode, env: &Env, conditional: bool, depth: usize, f: &mut Found) {
    let value = unparen(value);
    match value.kind() {
        K::NODE_LIST => {
            for el in value.children() {
                module(&el, env, conditional, depth, f);
            }
        }
        K::NODE_BIN_OP if value.children_with_tokens().any(|e| e.kind() == K::TOKEN_CONCAT) => {
            for side in value.children() {
                modules(&side, env, conditional, depth, f);
            }
        }
        K::NODE_APPLY => match call_parts(&value) {
            Some((n, args)) if n == "optionals" && args.len() == 2 => modules(&args[1], env, true, depth, f),
            Some((n, args)) if n == "optional" && args.len() == 2 => module(&args[1], env, true, depth, f),
            _ => f.unresolved.push((start(&value), "a computed list of modules".into())),
        },
        K::NODE_IDENT if depth < MAX_DEPTH => match lookup(&value) {
            Some(v) => modules(&v, env, conditional, depth + 1, f),
            None => f.unresolved.push((start(&value), format!("`{}` is not defined in this file", value.text()))),
        },
        _ => f.unresolved.push((start(&value), "a computed list of modules".into())),
    }
}

fn module(el: &SyntaxNode, env: &Env, conditional: bool, depth: usize, f: &mut Found) {
    let el = unparen(el);
    match el.kind() {
        K::NODE_PATH_REL | K::NODE_PATH_ABS => match interpolate(&el, env) {
            Some(path) => f.modules.push(ModulePath { path, conditional }),
            None => f.unresolved.push((start(&el), format!("`{}` is a computed path", el.text()))),
        },
        K::NODE_APPLY => match call_parts(&el) {
            Some((n, args)) if n == "import" && !args.is_empty() => module(&args[0], env, conditional, depth, f),
            Some((n, args)) if n == "optional" && args.len() == 2 => module(&args[1], env, true, depth, f),
            _ => f.unresolved.push((start(&el), "a computed module".into())),
        },
        K::NODE_ATTR_SET | K::NODE_LAMBDA => {
            f.inline = true;
            let set =
                if el.kind() == K::NODE_LAMBDA { el.children().last().map(|b| unparen(&b)) } else { Some(el.clone()) };
            if let Some(list) = set.as_ref().and_then(|s| binding(s, "imports")) {
                modules(&list, env, conditional, depth, f);
            }
        }
        K::NODE_SELECT => match own_module(&el) {
            Some(v) => module(&v, env, conditional, depth + 1, f),
            None => {
                f.unresolved.push((start(&el), format!("`{}` is a module of another flake or attribute", el.text())))
            }
        },
        K::NODE_IDENT if depth < MAX_DEPTH => match env.get(el.text().to_string().as_str()).cloned() {
            Some(Val::Node(n)) => module(&n, env, conditional, depth + 1, f),
            Some(_) => f.unresolved.push((start(&el), format!("`{}` is a computed module", el.text()))),
            None => match lookup(&el) {
                Some(v) => module(&v, env, conditional, depth + 1, f),
                None => f.unresolved.push((start(&el), format!("`{}` is not defined in this file", el.text()))),
            },
        },
        _ => f.unresolved.push((start(&el), "a computed module".into())),
    }
}

/// `self.nixosModules.X` (or `outputs.…`, `config.flake.…`): the flake's own module `X`.
fn own_module(sel: &SyntaxNode) -> Option<SyntaxNode> {
    const COLLECTIONS: &[&str] = &["nixosModules", "darwinModules", "homeModules", "homeManagerModules", "modules"];
    let base = sel.children().next()?.text().to_string();
    let mut path = vec![base.clone()];
    path.extend(attr_names(&sel.children().find(|c| c.kind() == K::NODE_ATTRPATH)?)?);
    let n = path.len();
    // `self.nixosModules.x`, `inputs.self…`, `config.flake.modules.nixos.x`, or a bare
    // `nixosModules.x` of the outputs being defined.
    let own = matches!(base.as_str(), "self" | "outputs" | "config" | "nixosModules" | "darwinModules")
        || (base == "inputs" && path.get(1).is_some_and(|p| p == "self"));
    let at = (1..n - 1).rev().find(|&i| COLLECTIONS.contains(&path[i].as_str()))?;
    if !own || n < 2 {
        return None;
    }
    let tail = &path[at..];
    let root = sel.ancestors().last()?;
    root.descendants().filter(|b| b.kind() == K::NODE_ATTRPATH_VALUE).find_map(|b| {
        let names = attr_names(&b.children().next()?)?;
        names.ends_with(tail).then(|| b.children().nth(1))?
    })
}

/// A path with `${name}` parts substituted from `env`.
fn interpolate(path: &SyntaxNode, env: &Env) -> Option<String> {
    let mut s = String::new();
    for part in path.children_with_tokens() {
        match part {
            rnix::NodeOrToken::Token(t) => s.push_str(t.text()),
            rnix::NodeOrToken::Node(n) if n.kind() == K::NODE_INTERPOL => {
                s.push_str(&string_of(&n.children().next()?, env)?)
            }
            rnix::NodeOrToken::Node(_) => return None,
        }
    }
    Some(s)
}

/// The string an expression stands for: a literal, `"${x}-y"`, or a name from `env`.
fn string_of(node: &SyntaxNode, env: &Env) -> Option<String> {
    let node = unparen(node);
    match node.kind() {
        K::NODE_STRING => read_string(&node).or_else(|| {
            let mut s = String::new();
            for part in node.children_with_tokens() {
                match part {
                    rnix::NodeOrToken::Token(t) if t.kind() == K::TOKEN_STRING_CONTENT => s.push_str(t.text()),
                    rnix::NodeOrToken::Token(_) => {}
                    rnix::NodeOrToken::Node(n) => s.push_str(&string_of(&n.children().next()?, env)?),
                }
            }
            Some(s)
        }),
        K::NODE_IDENT => match env.get(node.text().to_string().as_str())? {
            Val::Str(s) => Some(s.clone()),
            Val::Node(n) => string_of(n, &Env::new()),
            Val::Unknown => None,
        },
        K::NODE_SELECT => {
            let base = node.children().next()?;
            let names = attr_names(&node.children().find(|c| c.kind() == K::NODE_ATTRPATH)?)?;
            match (env.get(base.text().to_string().as_str())?, names.as_slice()) {
                (Val::Node(set), [k]) => string_of(&binding(&unparen(set), k)?, &Env::new()),
                _ => None,
            }
        }
        _ => None,
    }
}

/// What an argument stands for: a string if it is one, else the expression itself (an
/// identifier bound by the caller's helper is looked up).
fn value_of(node: &SyntaxNode, env: &Env) -> Val {
    if let Some(s) = string_of(node, env) {
        return Val::Str(s);
    }
    let node = unparen(node);
    match node.kind() {
        K::NODE_IDENT => match env.get(node.text().to_string().as_str()) {
            Some(v) => v.clone(),
            None => lookup(&node).map_or(Val::Unknown, Val::Node),
        },
        K::NODE_ATTR_SET | K::NODE_LIST | K::NODE_LAMBDA | K::NODE_PATH_REL => Val::Node(node),
        _ => Val::Unknown,
    }
}

/// A literal list of strings (or a name bound to one).
fn string_list(node: &SyntaxNode, depth: usize) -> Option<Vec<String>> {
    let node = unparen(node);
    match node.kind() {
        K::NODE_LIST => node.children().map(|c| string_of(&c, &Env::new())).collect(),
        K::NODE_IDENT if depth < MAX_DEPTH => string_list(&lookup(&node)?, depth + 1),
        K::NODE_APPLY => match call_parts(&node) {
            Some((n, args)) if n == "attrNames" && args.len() == 1 => {
                Some(literal_set(&args[0], depth + 1)?.into_iter().map(|(k, _)| k).collect())
            }
            _ => None,
        },
        _ => None,
    }
}

/// The entries of a literal attribute set (or a name bound to one).
fn literal_set(node: &SyntaxNode, depth: usize) -> Option<Vec<(String, SyntaxNode)>> {
    let node = unparen(node);
    match node.kind() {
        K::NODE_ATTR_SET => Some(
            node.children()
                .filter(|c| c.kind() == K::NODE_ATTRPATH_VALUE)
                .filter_map(|b| {
                    let names = attr_names(&b.children().next()?)?;
                    let [name] = names.as_slice() else { return None };
                    Some((name.clone(), b.children().nth(1)?))
                })
                .collect(),
        ),
        K::NODE_IDENT if depth < MAX_DEPTH => literal_set(&lookup(&node)?, depth + 1),
        _ => None,
    }
}

/// The value bound to `name` directly in attribute set `set`.
fn binding(set: &SyntaxNode, name: &str) -> Option<SyntaxNode> {
    set.children().filter(|c| c.kind() == K::NODE_ATTRPATH_VALUE).find_map(|b| {
        let names = attr_names(&b.children().next()?)?;
        (names.len() == 1 && names[0] == name).then(|| b.children().nth(1))?
    })
}

/// What an identifier is bound to by an enclosing `let` (lexical scope, innermost first).
fn lookup(ident: &SyntaxNode) -> Option<SyntaxNode> {
    if ident.kind() != K::NODE_IDENT {
        return None;
    }
    let name = ident.text().to_string();
    ident.ancestors().filter(|a| a.kind() == K::NODE_LET_IN || (a.kind() == K::NODE_ATTR_SET && is_rec(a))).find_map(
        |scope| {
            scope.children().filter(|c| c.kind() == K::NODE_ATTRPATH_VALUE).find_map(|b| {
                let names = attr_names(&b.children().next()?)?;
                (names.len() == 1 && names[0] == name).then(|| b.children().nth(1))?
            })
        },
    )
}

fn is_rec(set: &SyntaxNode) -> bool {
    set.children_with_tokens().any(|e| e.kind() == K::TOKEN_REC)
}

/// The function at the head of a call.
fn head_of(apply: &SyntaxNode) -> Option<SyntaxNode> {
    let mut f = apply.clone();
    while f.kind() == K::NODE_APPLY {
        f = f.children().next()?;
    }
    Some(unparen(&f))
}

fn unparen(n: &SyntaxNode) -> SyntaxNode {
    let mut n = n.clone();
    while n.kind() == K::NODE_PAREN {
        match n.children().next() {
            Some(inner) => n = inner,
            None => break,
        }
    }
    n
}
