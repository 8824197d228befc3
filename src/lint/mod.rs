//! Offline lint rules for cache settings (`cachectl check`).
//!
//! Pure: no I/O and no printing. A run is the files named on the command line plus, as
//! context, the rest of their configuration (see `commands/scope.rs`). [`analyse`] parses
//! and locates one file (on any thread); [`check_run`] runs every rule over the whole run and
//! keeps the findings of the named files only. NixOS concatenates the lists of all modules,
//! so a host file's substituter pairs with base.nix's key; which files are merged into one
//! configuration, for duplicates, comes from the import graph ([`Merge`]). [`check`] is the
//! `--isolated` form: the given files only, all merged together.
//!
//! Each rule lives in its own file with its stable code, a one-line summary and the text
//! `cachectl explain CODE` prints. No message ever contains a secret key: values are shown
//! through [`context::show`], which redacts anything that decodes to 64 bytes.

mod context;
mod merge;

mod deprecated_option;
mod duplicate;
mod duplicate_attribute;
mod flake_untrusted;
mod host_drift;
mod insecure_http;
mod invalid_key;
mod invalid_url;
mod key_mismatch;
mod key_rotation;
mod mk_default;
mod mk_force;
mod nested_merge;
mod no_fallback;
mod no_trusted_key;
mod not_checked;
mod secret_key;
mod syntax_error;
mod system_drift;
mod text_override;
mod undefined_variable;
mod unused_key;
mod url_credentials;

use std::collections::HashMap;
use std::fmt;
use std::sync::LazyLock;

use serde::Serialize;

use crate::keys::PublicKey;
use crate::registry::Registry;

use crate::nix::imports::{self, Import};
use crate::nix::model::FileModel;
use crate::nix::{SyntaxError, locate, syntax};
use context::{Context, SourceFile};
pub use merge::{GraphBuilder, Merge};

/// How serious a finding is. Only errors fail `check` (warnings too with `--deny-warnings`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One finding, positioned at 1-based line and column (in characters).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub severity: Severity,
    pub code: &'static str,
    pub message: String,
    /// The safe repair, when the rule knows one (`cachectl fix`); not part of the JSON.
    #[serde(skip)]
    pub fix: Option<crate::fix::Fix>,
}

impl Diagnostic {
    /// This finding with a repair attached.
    pub fn with_fix(mut self, fix: crate::fix::Fix) -> Diagnostic {
        self.fix = Some(fix);
        self
    }
}

/// `path:line:col: level[code]: message`, the one-line text form.
impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: {}[{}]: {}", self.file, self.line, self.column, self.severity, self.code, self.message)
    }
}

/// A substituter Nix will use, with the key name it pairs with (for `--online` and JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CacheEntry {
    /// The URL as written, store parameters included (credentials redacted in JSON).
    #[serde(serialize_with = "redacted_url")]
    pub url: String,
    pub file: String,
    pub line: usize,
    /// The name of a trusted key that plausibly signs this cache, if any.
    pub key: Option<String>,
}

fn redacted_url<S: serde::Serializer>(url: &str, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&crate::store_url::redact_credentials(url))
}

/// Everything `check` found. Serialises to `{"diagnostics": […], "caches": […]}`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    pub diagnostics: Vec<Diagnostic>,
    pub caches: Vec<CacheEntry>,
    /// The valid public keys of all files (one per name), plus cache.nixos.org's key when
    /// NixOS or Nix adds it by default: what `check --online` verifies signatures with.
    #[serde(skip)]
    pub trusted_keys: Vec<PublicKey>,
}

impl Report {
    pub fn count(&self, severity: Severity) -> usize {
        self.diagnostics.iter().filter(|d| d.severity == severity).count()
    }
}

/// A lint rule's identity and documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// Stable kebab-case code, shown as `level[code]`.
    pub code: &'static str,
    pub severity: Severity,
    /// One line, for `cachectl explain` without a code.
    pub summary: &'static str,
    /// What it means, why it matters and how to fix it (`cachectl explain CODE`).
    pub doc: &'static str,
}

/// Every rule, in the order `cachectl explain` lists them.
pub const RULES: &[Rule] = &[
    syntax_error::RULE,
    duplicate_attribute::RULE,
    nested_merge::RULE,
    undefined_variable::RULE,
    invalid_key::RULE,
    secret_key::RULE,
    key_mismatch::RULE,
    invalid_url::RULE,
    url_credentials::RULE,
    no_trusted_key::RULE,
    unused_key::RULE,
    duplicate::RULE,
    insecure_http::RULE,
    no_fallback::RULE,
    deprecated_option::RULE,
    mk_default::RULE,
    mk_force::RULE,
    flake_untrusted::RULE,
    text_override::RULE,
    host_drift::RULE,
    key_rotation::RULE,
    system_drift::RULE,
    not_checked::RULE,
];

/// The rule with this code, if any.
pub fn rule(code: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.code == code)
}

type Check = fn(&Context<'_>, &mut Vec<Diagnostic>);

/// The checks, run in this order; findings are then sorted by file and position.
const CHECKS: &[Check] = &[
    syntax_error::check,
    duplicate_attribute::check,
    nested_merge::check,
    undefined_variable::check,
    secret_key::check,
    invalid_key::check,
    key_mismatch::check,
    invalid_url::check,
    url_credentials::check,
    no_trusted_key::check,
    unused_key::check,
    duplicate::check,
    insecure_http::check,
    no_fallback::check,
    deprecated_option::check,
    mk_default::check,
    mk_force::check,
    flake_untrusted::check,
    text_override::check,
    host_drift::check,
    key_rotation::check,
    system_drift::check,
    not_checked::check,
];

/// What one file contributes to a run, computed by [`analyse`] on any thread.
#[derive(Debug)]
pub struct Analysis {
    pub model: Result<FileModel, SyntaxError>,
    /// Its static import edges, for finding and merging the rest of the configuration.
    pub imports: Vec<Import>,
    /// A context file that does not parse: what did parse still counts as evidence, but the
    /// file takes part in no merge (see [`GraphBuilder::isolate`]).
    pub broken: bool,
    /// What only Nix before 2.26 rejects (nested sets merged twice), for `nested-merge`.
    pub notes: Vec<SyntaxError>,
}

/// One file of a run: its display path and text, whether it was named (its findings are
/// reported) or is context, and its analysis.
pub struct Input<'a> {
    pub path: &'a str,
    pub text: &'a str,
    pub named: bool,
    pub analysis: Analysis,
}

/// The words of every cache setting the locator reads (`substituters`, `extra-…`,
/// `trusted-public-keys`, `binaryCaches`, `binaryCachePublicKeys`, `trustedBinaryCaches`,
/// `connect-timeout`, `fallback`, also inside nix.conf text, and records such as
/// `{ substituter = …; public-key = …; }`). A file without any of them has an empty model,
/// so it is not located at all: most modules of a configuration.
pub fn mentions_cache_settings(text: &str) -> bool {
    ["substituter", "public-key", "PublicKey", "inaryCache", "connect-timeout", "fallback"]
        .iter()
        .any(|w| text.contains(w))
}

/// Words of a block whose value may be computed (`nix.settings = import ./caches.nix;`),
/// which `not-checked` reports in a named file.
pub fn mentions_cache_blocks(text: &str) -> bool {
    ["nix.settings", "nix =", "nix=", "nixConfig", "customSettings"].iter().any(|w| text.contains(w))
}

/// What the locator finds in a file that sets nothing: `{ }`'s model.
fn empty_model() -> FileModel {
    static EMPTY: LazyLock<FileModel> = LazyLock::new(|| locate::locate_root(&rnix::Root::parse("{ }").syntax()));
    EMPTY.clone()
}

/// Parses and locates one file, and reads its imports. A named file gets the full parse
/// (a syntax error is a finding); a context file is parsed only when it mentions a cache
/// setting or an import, and a parse error there only marks it `broken`.
pub fn analyse(text: &str, named: bool) -> Analysis {
    // A named file's refusals (`nix.settings = import …`) are findings too.
    let wants_model = mentions_cache_settings(text) || (named && mentions_cache_blocks(text));
    let wants_imports = imports::mentions_imports(text);
    let mut notes = Vec::new();
    let (root, broken) = if named {
        match syntax::parse_noting(text) {
            Ok((root, found)) => {
                notes = found;
                (root, false)
            }
            Err(e) => return Analysis { model: Err(e), imports: Vec::new(), broken: false, notes },
        }
    } else {
        if !wants_model && !wants_imports {
            return Analysis { model: Ok(empty_model()), imports: Vec::new(), broken: false, notes };
        }
        let parsed = rnix::Root::parse(text);
        (parsed.syntax(), !parsed.errors().is_empty())
    };
    let model = if wants_model { locate::locate_root(&root) } else { empty_model() };
    let imports = if wants_imports { imports::imports(&root, text) } else { Vec::new() };
    Analysis { model: Ok(model), imports, broken, notes }
}

/// Lints the given files together, all merged (`check --isolated`). `files` holds
/// (display path, text) pairs.
pub fn check(files: &[(String, String)], registry: &Registry) -> Report {
    let inputs = files.iter().map(|(p, t)| Input { path: p, text: t, named: true, analysis: analyse(t, true) });
    check_run(inputs.collect(), Merge::All, registry)
}

/// Runs every rule over the run and keeps the findings of the named files, in the order
/// the files were given. The JSON `caches` are the named files' substituters, paired with
/// keys from the whole run.
pub fn check_run(inputs: Vec<Input<'_>>, merge: Merge, registry: &Registry) -> Report {
    let sources: Vec<SourceFile<'_>> =
        inputs.into_iter().map(|i| SourceFile::analysed(i.path, i.text, i.analysis, i.named)).collect();
    let cx = Context::new(&sources, registry, merge);
    let mut diagnostics = Vec::new();
    for check in CHECKS {
        check(&cx, &mut diagnostics);
    }
    let order: HashMap<&str, usize> =
        sources.iter().enumerate().filter(|(_, f)| f.named).map(|(i, f)| (f.path, i)).collect();
    diagnostics.retain(|d| order.contains_key(d.file.as_str()));
    diagnostics.sort_by_cached_key(|d| (order.get(d.file.as_str()).copied(), d.line, d.column));
    Report { diagnostics, caches: cx.caches(), trusted_keys: cx.trusted_keys() }
}

#[cfg(test)]
pub(crate) mod test_support {
    use super::*;

    /// The text lines of `code`'s findings for these (path, text) files.
    pub fn lint(files: &[(&str, &str)], code: &str) -> Vec<String> {
        assert!(rule(code).is_some(), "unknown code {code}");
        let owned: Vec<(String, String)> = files.iter().map(|(p, t)| ((*p).to_owned(), (*t).to_owned())).collect();
        check(&owned, &Registry::builtin())
            .diagnostics
            .iter()
            .filter(|d| d.code == code)
            .map(ToString::to_string)
            .collect()
    }

    /// Findings of `code` in one file named `m.nix`.
    pub fn lint1(text: &str, code: &str) -> Vec<String> {
        lint(&[("m.nix", text)], code)
    }

    /// Every finding for these files, as text lines.
    pub fn all(files: &[(&str, &str)]) -> Vec<String> {
        let owned: Vec<(String, String)> = files.iter().map(|(p, t)| ((*p).to_owned(), (*t).to_owned())).collect();
        check(&owned, &Registry::builtin()).diagnostics.iter().map(ToString::to_string).collect()
    }

    pub const NIXOS_KEY: &str = "cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY=";
    pub const MAG_KEY: &str = "magnolia.cache:7MVdzDOzQsVItEh+ewmU4Ga8TOke40asmXY1p9nQhC0=";
    pub const NC_KEY: &str = "nix-community.cachix.org-1:mB9FSh9qf2dCimDSUo8Zy7bkq5CX+/rkCWyvRCYg3Fs=";

    /// A module setting `nix.settings` to these substituters and keys, plus `extra` lines.
    pub fn module(subs: &[&str], keys: &[&str], extra: &str) -> String {
        let q = |v: &[&str]| v.iter().map(|s| format!("\"{s}\"")).collect::<Vec<_>>().join(" ");
        format!(
            "{{ lib, ... }}:\n{{\n  nix.settings = {{\n    substituters = [ {} ];\n    trusted-public-keys = [ {} ];\n{extra}  }};\n}}\n",
            q(subs),
            q(keys)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::*;
    use super::*;

    #[test]
    fn codes_are_unique_kebab_case_and_documented() {
        for (i, r) in RULES.iter().enumerate() {
            assert!(r.code.chars().all(|c| c.is_ascii_lowercase() || c == '-'), "{}", r.code);
            assert!(RULES.iter().skip(i + 1).all(|o| o.code != r.code), "duplicate {}", r.code);
            assert!(!r.summary.is_empty() && !r.summary.ends_with('.'), "{}", r.code);
            assert!(r.doc.len() > 100, "{} needs a real explanation", r.code);
        }
        assert_eq!(RULES.len(), CHECKS.len());
    }

    #[test]
    fn a_file_without_cache_options_has_no_findings() {
        let text = "{ pkgs, ... }: { environment.systemPackages = [ pkgs.git ]; nix.gc.automatic = true; }";
        assert_eq!(all(&[("a.nix", text)]), Vec::<String>::new());
    }

    #[test]
    fn a_clean_configuration_has_no_findings() {
        let base = module(&["https://cache.nixos.org/"], &[NIXOS_KEY], "");
        let host = module(&["http://magnolia:5000"], &[MAG_KEY], "    connect-timeout = 5;\n    fallback = true;\n");
        assert_eq!(all(&[("base.nix", &base), ("host.nix", &host)]), Vec::<String>::new());
    }

    #[test]
    fn report_lists_caches_with_paired_keys_and_serialises_exactly() {
        let base = module(&["https://cache.nixos.org/", "https://nix-community.cachix.org"], &[NC_KEY], "");
        let files = vec![("base.nix".to_owned(), base)];
        let report = check(&files, &Registry::builtin());
        let json = serde_json::to_value(&report).expect("serialises");
        expect_test::expect![[r#"{"caches":[{"file":"base.nix","key":"cache.nixos.org-1","line":4,"url":"https://cache.nixos.org/"},{"file":"base.nix","key":"nix-community.cachix.org-1","line":4,"url":"https://nix-community.cachix.org"}],"diagnostics":[]}"#]]
        .assert_eq(&json.to_string());
        let names: Vec<&str> = report.trusted_keys.iter().map(|k| k.name.as_str()).collect();
        assert_eq!(names, ["nix-community.cachix.org-1", "cache.nixos.org-1"]);
    }

    #[test]
    fn diagnostics_serialise_with_the_documented_field_names() {
        let files = vec![("a.nix".to_owned(), "{ a = ; }".to_owned())];
        let report = check(&files, &Registry::builtin());
        let json = serde_json::to_value(&report.diagnostics).expect("serialises");
        expect_test::expect![[r#"[{"code":"syntax-error","column":7,"file":"a.nix","line":1,"message":"syntax error: unexpected `;`, expected one of `(`, rec, `{`, `[`, a string, an identifier","severity":"error"}]"#]]
        .assert_eq(&json.to_string());
    }
}

#[cfg(test)]
mod prefilter_tests;
