//! Static module imports: which files a Nix file pulls into the configuration it is part of.
//!
//! `cachectl check FILES…` follows these edges to find the rest of a configuration (a host
//! file's `imports = [ ../modules/base.nix ]`) and to decide which files NixOS merges into one
//! configuration. Only what is literal is read, never evaluated:
//! - `imports = [ ./x.nix ../dir … ]` (a directory means its `default.nix`, resolved by the
//!   caller), `++` of such lists, `(import ./x.nix)` and `import ./x.nix { … }`,
//!   `lib.optional cond ./x.nix` and `lib.optionals cond [ … ]` (marked conditional);
//! - `modules = [ … ]` lists, as in a flake's `nixosSystem { modules = [ ./hosts/a.nix ]; }`.
//!
//! Each edge belongs to a [`Group`]: the file's own module (a top-level `imports`, also inside
//! `{ … }:` functions, `let` and `with`), or a configuration of its own: one `modules` list,
//! or `imports` nested under another attribute (`home-manager.users.x.imports`,
//! `specialisation.x.configuration`, a flake's `nixosModules.y`). Inline modules in such a
//! list (`imports = [ { imports = [ ./b.nix ]; } ]`) belong to the list's group. Anything
//! computed (`map`, `if`, interpolated paths, `<nixpkgs/…>`, `~/…`) is ignored.
//!
//! The scan looks up the words `imports` and `modules` in the text and asks the tree only
//! about those places, so its cost is a few tree descents per hit, not a walk of the file.

use rnix::{SyntaxKind as K, SyntaxNode, TextSize};

use super::locate::{attr_names, call_parts};

/// Which configuration an import edge belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Group {
    /// The file's own module: the imported file is merged with this file.
    Module,
    /// A separate configuration (a `modules` list or a nested `imports`), numbered by the
    /// offset of its binding: its files are merged with each other, not with this file.
    Separate(u32),
}

/// An import that is not a literal path (an input's module, a computed path), with the
/// byte offset of the expression: a host's unresolved part, never silently dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub offset: u32,
    pub what: String,
    pub group: Group,
}

/// One statically known import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Import {
    /// The path as written (`./x.nix`, `../modules`, `/etc/nixos/hw.nix`).
    pub path: String,
    pub group: Group,
    /// Behind `lib.optional(s)` or `lib.mkIf`: present only sometimes.
    pub conditional: bool,
}

/// True when the file may bind `imports` or `modules`: the word, then `=` (after spaces).
/// A file without such a place has no edges and need not be parsed for them; in public
/// configurations that is four files in five (comments, `modulesPath` and prose do not
/// count).
pub fn mentions_imports(text: &str) -> bool {
    ["imports", "modules"].iter().any(|word| {
        text.match_indices(word).any(|(at, _)| {
            let rest = text[at + word.len()..].trim_start();
            is_word_at(text, at, word.len()) && rest.starts_with('=') && !rest.starts_with("==")
        })
    })
}

/// Every static import edge of a parsed file (`text` is the file's text, `root` its tree).
/// Works on trees with parse errors too (whatever parsed is read).
pub fn imports(root: &SyntaxNode, text: &str) -> Vec<Import> {
    imports_and_skipped(root, text).0
}

/// [`imports`], and the entries of the same lists that are not literal paths.
pub fn imports_and_skipped(root: &SyntaxNode, text: &str) -> (Vec<Import>, Vec<Skipped>) {
    let mut out = Vec::new();
    let mut skipped = Vec::new();
    let mut seen_bindings: Vec<u32> = Vec::new();
    for word in ["imports", "modules"] {
        for (at, _) in text.match_indices(word) {
            if !is_word_at(text, at, word.len()) {
                continue;
            }
            let Some(binding) = binding_named(root, at, word) else { continue };
            let start = u32::from(binding.text_range().start());
            if seen_bindings.contains(&start) {
                continue;
            }
            seen_bindings.push(start);
            let Some(value) = binding.children().nth(1) else { continue };
            let group = group_of(&binding);
            collect(&value, group, false, &mut out, &mut skipped);
        }
    }
    (out, skipped)
}

/// Nix identifiers are `[A-Za-z_][A-Za-z0-9_'-]*`: the hit must not be part of a longer one.
fn is_word_at(text: &str, at: usize, len: usize) -> bool {
    let ident = |c: u8| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'\'' | b'-');
    let bytes = text.as_bytes();
    let before = at.checked_sub(1).and_then(|i| bytes.get(i)).is_some_and(|&c| ident(c));
    let after = bytes.get(at + len).is_some_and(|&c| ident(c));
    !before && !after
}

/// The binding `… word = value;` whose attrpath ends with the identifier at `at`.
fn binding_named(root: &SyntaxNode, at: usize, word: &str) -> Option<SyntaxNode> {
    let token = root.token_at_offset(TextSize::try_from(at).ok()?).right_biased()?;
    if token.kind() != K::TOKEN_IDENT || token.text() != word {
        return None;
    }
    let ident = token.parent()?;
    let attrpath = ident.parent().filter(|p| p.kind() == K::NODE_ATTRPATH)?;
    if attrpath.children().last().as_ref() != Some(&ident) {
        return None;
    }
    attrpath.parent().filter(|b| b.kind() == K::NODE_ATTRPATH_VALUE)
}

/// The group of an `imports`/`modules` binding.
fn group_of(binding: &SyntaxNode) -> Group {
    let separate = Group::Separate(u32::from(binding.text_range().start()));
    let single = binding
        .children()
        .next()
        .and_then(|p| attr_names(&p))
        .is_some_and(|names| names.len() == 1 && names[0] == "imports");
    if !single {
        return separate;
    }
    match module_owner(binding) {
        Owner::File => Group::Module,
        Owner::List(list_binding) => group_of_list(&list_binding),
        Owner::Other => separate,
    }
}

/// The group of the list an inline module sits in: the group of that list's binding.
fn group_of_list(binding: &SyntaxNode) -> Group {
    let is_imports = binding
        .children()
        .next()
        .and_then(|p| attr_names(&p))
        .is_some_and(|names| names.last().is_some_and(|n| n == "imports"));
    if is_imports { group_of(binding) } else { Group::Separate(u32::from(binding.text_range().start())) }
}

enum Owner {
    /// The binding is in the file's top-level module.
    File,
    /// The binding is in an inline module that is an element of this `imports`/`modules` binding.
    List(SyntaxNode),
    Other,
}

/// Whose module the attribute set holding `binding` is: walks up through the nodes that
/// leave a module in place (function bodies, `let … in`, `with`, parentheses, `assert`).
fn module_owner(binding: &SyntaxNode) -> Owner {
    let Some(mut node) = binding.parent().filter(|p| p.kind() == K::NODE_ATTR_SET) else { return Owner::Other };
    loop {
        let Some(parent) = node.parent() else { return Owner::Other };
        let is_body = parent.children().last().as_ref() == Some(&node);
        match parent.kind() {
            K::NODE_ROOT => return Owner::File,
            K::NODE_PAREN => {}
            K::NODE_LAMBDA | K::NODE_LET_IN | K::NODE_WITH | K::NODE_ASSERT if is_body => {}
            K::NODE_LIST => {
                let outer = parent.parent();
                let list_binding = match outer {
                    Some(b) if b.kind() == K::NODE_ATTRPATH_VALUE => Some(b),
                    // `imports = [ … ] ++ [ { … } ]`: the list is an operand of `++`.
                    Some(op) if op.kind() == K::NODE_BIN_OP => {
                        op.ancestors().find(|a| a.kind() == K::NODE_ATTRPATH_VALUE)
                    }
                    _ => None,
                };
                let named = list_binding.as_ref().and_then(|b| b.children().next()).and_then(|p| attr_names(&p));
                return match (list_binding, named) {
                    (Some(b), Some(n)) if n.last().is_some_and(|l| l == "imports" || l == "modules") => Owner::List(b),
                    _ => Owner::Other,
                };
            }
            _ => return Owner::Other,
        }
        node = parent;
    }
}

/// Collects the literal paths of an `imports`/`modules` value.
fn collect(value: &SyntaxNode, group: Group, conditional: bool, out: &mut Vec<Import>, skipped: &mut Vec<Skipped>) {
    let skip = |skipped: &mut Vec<Skipped>, what: &str| {
        let offset = u32::from(value.text_range().start());
        skipped.push(Skipped { offset, what: format!("{what}: `{}`", short(&value.text().to_string())), group });
    };
    match value.kind() {
        K::NODE_LIST => {
            for el in value.children() {
                collect(&el, group, conditional, out, skipped);
            }
        }
        K::NODE_PAREN => {
            if let Some(inner) = value.children().next() {
                collect(&inner, group, conditional, out, skipped);
            }
        }
        K::NODE_LET_IN | K::NODE_WITH => {
            if let Some(body) = value.children().last() {
                collect(&body, group, conditional, out, skipped);
            }
        }
        K::NODE_BIN_OP if value.children_with_tokens().any(|e| e.kind() == K::TOKEN_CONCAT) => {
            for side in value.children() {
                collect(&side, group, conditional, out, skipped);
            }
        }
        K::NODE_PATH_REL | K::NODE_PATH_ABS => match literal_path(value) {
            Some(path) => out.push(Import { path, group, conditional }),
            None => skip(skipped, "a computed path"),
        },
        K::NODE_APPLY => {
            let Some((name, args)) = call_parts(value) else { return };
            match (name.as_str(), args.as_slice()) {
                // `import ./x.nix` and `import ./x.nix { … }`: the function is `import` itself.
                ("import", [path, ..]) if is_plain_import(value) => match literal_path(path) {
                    Some(p) => out.push(Import { path: p, group, conditional }),
                    None => skip(skipped, "a computed path"),
                },
                ("optional" | "optionals" | "mkIf", [_, then]) => collect(then, group, true, out, skipped),
                _ => skip(skipped, "a computed module"),
            }
        }
        // Inline modules are part of this file.
        K::NODE_ATTR_SET | K::NODE_LAMBDA => {}
        K::NODE_SELECT => skip(skipped, "a module of another flake or attribute"),
        K::NODE_PATH_SEARCH => skip(skipped, "a module from NIX_PATH"),
        _ => skip(skipped, "a computed module"),
    }
}

/// An expression's text on one line, shortened for a message.
fn short(text: &str) -> String {
    let one: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match one.char_indices().nth(60) {
        Some((i, _)) => format!("{}…", &one[..i]),
        None => one,
    }
}

/// True when the called function is the identifier `import` (not `x.import`).
fn is_plain_import(apply: &SyntaxNode) -> bool {
    let mut f = apply.clone();
    while f.kind() == K::NODE_APPLY {
        match f.children().next() {
            Some(next) => f = next,
            None => return false,
        }
    }
    f.kind() == K::NODE_IDENT && f.text() == "import"
}

/// The text of a path literal without interpolation (`./x.nix`), if it is one.
fn literal_path(node: &SyntaxNode) -> Option<String> {
    if !matches!(node.kind(), K::NODE_PATH_REL | K::NODE_PATH_ABS) || node.children().next().is_some() {
        return None;
    }
    Some(node.text().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edges(text: &str) -> Vec<String> {
        let root = rnix::Root::parse(text).syntax();
        imports(&root, text)
            .into_iter()
            .map(|i| {
                let g = match i.group {
                    Group::Module => "module".to_owned(),
                    Group::Separate(at) => format!("separate@{at}"),
                };
                format!("{} {g}{}", i.path, if i.conditional { " conditional" } else { "" })
            })
            .collect()
    }

    #[test]
    fn top_level_imports_in_every_module_shape() {
        let plain = "{ imports = [ ./a.nix ../modules ]; }";
        assert_eq!(edges(plain), ["./a.nix module", "../modules module"]);
        let function = "{ config, lib, ... }:\nlet x = 1; in with lib; {\n  imports = [ ./hw.nix ];\n  config.networking.hostName = \"a\";\n}";
        assert_eq!(edges(function), ["./hw.nix module"]);
        let options = "{ lib, ... }: { imports = [ ./x.nix ]; options.a = lib.mkOption { }; config = { }; }";
        assert_eq!(edges(options), ["./x.nix module"]);
    }

    #[test]
    fn literal_forms_are_read_and_computed_ones_ignored() {
        let text = "{ lib, host, ... }: {\n  imports = [\n    (import ./a.nix)\n    (import ./b.nix { inherit lib; })\n    /etc/nixos/hardware-configuration.nix\n    <nixpkgs/nixos/modules/installer/scan/not-detected.nix>\n    ./hosts/${host}.nix\n    (x.import ./no.nix)\n    (if host == \"a\" then ./c.nix else ./d.nix)\n  ] ++ lib.optional (host == \"a\") ./e.nix\n    ++ lib.optionals true [ ./f.nix ]\n    ++ map (n: ./g + n) [ ];\n}";
        expect_test::expect![[r#"
            [
                "./a.nix module",
                "./b.nix module",
                "/etc/nixos/hardware-configuration.nix module",
                "./e.nix module conditional",
                "./f.nix module conditional",
            ]
        "#]]
        .assert_debug_eq(&edges(text));
    }

    #[test]
    fn nested_imports_and_module_lists_are_separate_configurations() {
        let text = "{ nixpkgs, ... }: {\n  nixosConfigurations.a = nixpkgs.lib.nixosSystem { modules = [ ./hosts/a.nix ./common.nix ]; };\n  nixosConfigurations.b = nixpkgs.lib.nixosSystem { modules = [ ./hosts/b.nix { imports = [ ./inline.nix ]; } ]; };\n  home-manager.users.me.imports = [ ./home.nix ];\n}";
        expect_test::expect![[r#"
            [
                "./inline.nix separate@169",
                "./home.nix separate@235",
                "./hosts/a.nix separate@72",
                "./common.nix separate@72",
                "./hosts/b.nix separate@169",
            ]
        "#]]
        .assert_debug_eq(&edges(text));
        let inline = "{ imports = [ ./a.nix { imports = [ ./b.nix ]; } ]; }";
        assert_eq!(edges(inline), ["./a.nix module", "./b.nix module"]);
    }

    #[test]
    fn words_inside_other_words_strings_and_comments_are_not_bindings() {
        let text = "{ myimports = [ ./a.nix ]; x = \"imports = [ ./b.nix ]\"; # modules = [ ./c.nix ];\n  imports' = [ ./d.nix ]; }";
        assert_eq!(edges(text), Vec::<String>::new());
        assert!(!mentions_imports("{ a = 1; }"));
        assert!(!mentions_imports(
            "# modules/base.nix: imports the rest\n{ modulesPath, ... }: { a = x.imports == 1; }"
        ));
        assert!(mentions_imports("{ imports\n  = [ ]; }") && mentions_imports("{ modules=[ ]; }"));
    }

    #[test]
    fn broken_files_give_what_parsed_and_never_panic() {
        let text = "{ imports = [ ./a.nix ./b.nix ]; nix.settings = { substituters = [ \"x\" ]; }; }";
        for cut in 0..text.len() {
            let _ = edges(&text[..cut]);
        }
        assert_eq!(edges("{ imports = [ ./a.nix ]; b = ; }"), ["./a.nix module"]);
    }
}
