//! The run as the rules see it: every file's model, every list element of every file, and
//! the cross-file facts (which key pairs with which substituter, what NixOS adds itself).

use std::cell::OnceCell;
use std::collections::{HashMap, HashSet};

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

use super::merge::Merge;
use super::{CacheEntry, Diagnostic, Rule};
use crate::keys::{self, KeyError, PublicKey};
use crate::nix::SyntaxError;
use crate::nix::model::{CacheList, ElemValue, Element, FileModel, ListKind, Site, SiteKind};
use crate::nix::syntax::LineIndex;
use crate::registry::Registry;
use crate::store_url::StoreUrl;

/// The key NixOS (and Nix's built-in default) always trusts.
pub const NIXOS_KEY_NAME: &str = "cache.nixos.org-1";

/// A key Determinate Nix trusts in its own nix.conf (with `-4` … `-10`): FlakeHub's cache
/// needs no key in a configuration that uses Determinate Nix (`determinate.enable`,
/// `determinateNix.*`, the `determinate` flake input).
pub const FLAKEHUB_KEY_NAME: &str = "cache.flakehub.com-3";

/// One file of the run, parsed and located. Files not `named` are context: they count as
/// evidence (keys, caches, settings, imports) but their own findings are not reported.
pub struct SourceFile<'a> {
    pub path: &'a str,
    pub text: &'a str,
    /// Built on the first position asked for: most files of a run never need one.
    index: OnceCell<LineIndex>,
    pub model: Result<FileModel, SyntaxError>,
    /// What only Nix before 2.26 rejects (see `nested-merge`).
    pub notes: Vec<SyntaxError>,
    pub named: bool,
}

impl<'a> SourceFile<'a> {
    /// A file whose model was computed elsewhere (see [`super::analyse`]).
    pub fn analysed(path: &'a str, text: &'a str, analysis: super::Analysis, named: bool) -> Self {
        SourceFile { path, text, index: OnceCell::new(), model: analysis.model, notes: analysis.notes, named }
    }

    /// 1-based line and column of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        self.index.get_or_init(|| LineIndex::new(self.text)).line_col(self.text, offset)
    }
}

/// Which merged configuration a list belongs to. The modules of a run are merged into one
/// configuration per root: `nix.settings` and `config.nix.settings` share the root ``,
/// while `specialisation.x.configuration.nix.settings` has its own (which inherits the
/// parent's). Each flake's `nixConfig` and each `extraOptions` text stand alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Domain<'a> {
    Modules(&'a str),
    Flake(usize),
    NixConf(usize),
}

impl Domain<'_> {
    pub fn is_modules(self) -> bool {
        matches!(self, Domain::Modules(_))
    }
}

/// The domain of a site of file `file`.
pub fn site_domain(file: usize, site: &Site) -> Domain<'_> {
    match site.kind {
        SiteKind::Settings | SiteKind::Legacy => {
            let p = site.path.as_str();
            let p = p.strip_suffix("nix.settings").or_else(|| p.strip_suffix("nix")).unwrap_or(p);
            Domain::Modules(if p == "config." { "" } else { p })
        }
        SiteKind::FlakeConfig => Domain::Flake(file),
        SiteKind::ExtraOptions | SiteKind::ConfText => Domain::NixConf(file),
        // Read by other code (a vars file, a function's result) or written to their own
        // nix.conf (Determinate Nix), or computed: each stands alone like a flake's.
        SiteKind::Bare | SiteKind::Determinate | SiteKind::Computed => Domain::Flake(file),
    }
}

/// One cache list of one site of one file.
#[derive(Clone, Copy)]
pub struct ListRef<'a> {
    pub file: usize,
    pub site: &'a Site,
    pub list: &'a CacheList,
}

impl<'a> ListRef<'a> {
    pub fn domain(&self) -> Domain<'a> {
        site_domain(self.file, self.site)
    }

    /// Substituters, extra-substituters, trusted-substituters and their old names.
    pub fn is_store_urls(&self) -> bool {
        !self.list.kind.is_keys()
    }

    /// Lists Nix actually substitutes from (not trusted-substituters).
    pub fn is_substituters(&self) -> bool {
        self.list.kind.is_substituters()
    }

    pub fn is_keys(&self) -> bool {
        self.list.kind.is_keys()
    }

    /// The option as a user would write it, e.g. `nix.settings.substituters`.
    pub fn option(&self) -> String {
        format!("{}.{}", self.site.path, self.list.kind.name())
    }
}

/// One element of a cache list, with what is known about its value computed once.
#[derive(Clone)]
pub struct Item<'a> {
    pub at: ListRef<'a>,
    pub elem: &'a Element,
    /// Added by a computed operand (`++ lib.optional c "…"`): present only sometimes.
    pub conditional: bool,
    /// The value decodes to 64 bytes: a secret key, never to be printed.
    pub secret: bool,
    /// For a plain, non-secret string in a key list: the key, parsed and validated.
    pub key: Option<Result<PublicKey, KeyError>>,
}

impl<'a> Item<'a> {
    fn new(at: ListRef<'a>, elem: &'a Element, conditional: bool) -> Item<'a> {
        let value = elem.value.as_str();
        let secret = value.is_some_and(is_secret);
        let key = value.filter(|_| at.is_keys() && !secret).map(PublicKey::parse);
        Item { at, elem, conditional, secret, key }
    }

    /// The string value, if the element is a plain string.
    pub fn value(&self) -> Option<&'a str> {
        match &self.elem.value {
            ElemValue::Str(s) => Some(s.as_str()),
            ElemValue::Opaque(_) => None,
        }
    }

    /// A plain string value that is not a secret key.
    pub fn public_value(&self) -> Option<&'a str> {
        self.value().filter(|_| !self.secret)
    }

    /// The name of a key element that is not secret.
    pub fn key_name(&self) -> Option<&'a str> {
        self.public_value().and_then(keys::key_name)
    }

    pub fn offset(&self) -> usize {
        usize::from(self.elem.range.start())
    }
}

/// The run: files, their elements in order, and the registry.
pub struct Context<'a> {
    pub files: &'a [SourceFile<'a>],
    pub registry: &'a Registry,
    pub lists: Vec<ListRef<'a>>,
    pub items: Vec<Item<'a>>,
    /// For each distinct store URL (as written): the first key name of the run pairing with it.
    paired: HashMap<&'a str, Option<&'a str>>,
    /// Key names that some store URL of the run pairs with.
    used: HashSet<&'a str>,
    /// Some file of the run uses Determinate Nix, whose own nix.conf trusts FlakeHub's keys:
    /// looked up only when a FlakeHub cache needs a key.
    determinate: OnceCell<bool>,
    /// Which files NixOS merges into one configuration.
    pub merge: Merge,
}

impl<'a> Context<'a> {
    pub fn new(files: &'a [SourceFile<'a>], registry: &'a Registry, merge: Merge) -> Context<'a> {
        let mut lists = Vec::new();
        let mut items = Vec::new();
        for (file, f) in files.iter().enumerate() {
            let Ok(model) = &f.model else { continue };
            for site in model.sites.iter().filter(|s| s.kind.linted()) {
                for list in &site.lists {
                    let at = ListRef { file, site, list };
                    lists.push(at);
                    items.extend(list.elements().iter().map(|elem| Item::new(at, elem, false)));
                    items.extend(list.conditional().iter().map(|elem| Item::new(at, elem, true)));
                }
            }
        }
        let (paired, used) = pairing(registry, &items);
        Context { files, registry, lists, items, paired, used, determinate: OnceCell::new(), merge }
    }

    pub fn models(&self) -> impl Iterator<Item = (usize, &'a FileModel)> + '_ {
        self.files.iter().enumerate().filter_map(|(i, f)| f.model.as_ref().ok().map(|m| (i, m)))
    }

    pub fn store_urls(&self) -> impl Iterator<Item = &Item<'a>> + '_ {
        self.items.iter().filter(|i| i.at.is_store_urls())
    }

    pub fn keys(&self) -> impl Iterator<Item = &Item<'a>> + '_ {
        self.items.iter().filter(|i| i.at.is_keys())
    }

    /// A finding at byte `offset` of file `file`.
    pub fn diag(&self, file: usize, offset: usize, rule: &Rule, message: String) -> Diagnostic {
        let (path, (line, column)) = match self.files.get(file) {
            Some(f) => (f.path, f.line_col(offset)),
            None => ("", (1, 1)),
        };
        Diagnostic { file: path.to_owned(), line, column, severity: rule.severity, code: rule.code, message, fix: None }
    }

    /// A finding at the start of an element.
    pub fn at_item(&self, item: &Item<'_>, rule: &Rule, message: String) -> Diagnostic {
        self.diag(item.at.file, item.offset(), rule, message)
    }

    /// A finding at the start of a list's binding (`substituters = …`).
    pub fn at_list(&self, at: &ListRef<'_>, rule: &Rule, message: String) -> Diagnostic {
        self.diag(at.file, usize::from(at.list.binding.start()), rule, message)
    }

    /// `path:line:col` of an element, for "already listed at …".
    pub fn position(&self, item: &Item<'_>) -> String {
        let d = self.diag(item.at.file, item.offset(), &super::syntax_error::RULE, String::new());
        format!("{}:{}:{}", d.file, d.line, d.column)
    }

    /// True when cache.nixos.org's key is trusted without being listed in the configuration
    /// of `file`: NixOS adds it to `trusted-public-keys`, and Nix has it built in, unless a
    /// module merged with `file` forces the list (a forced list in an unrelated file, such as
    /// an installer image's, does not count).
    pub fn nixos_key_is_implicit(&self, file: usize) -> bool {
        !self.lists.iter().any(|l| {
            l.is_keys()
                && l.domain().is_modules()
                && l.list.wrapper() == Some("mkForce")
                && self.merge.merged(l.file, file)
        })
    }

    /// The name of a key of the run that plausibly signs `url` (listed in `file`), or
    /// cache.nixos.org's default key for cache.nixos.org. Keys of every file of the run
    /// count, merged or not: a missed warning is better than a false one.
    pub fn key_for(&self, file: usize, url: &str) -> Option<&'a str> {
        let listed = match self.paired.get(url) {
            Some(first) => *first,
            None => self.keys().filter_map(Item::key_name).find(|n| self.registry.pairs(&pairing_url(url), n)),
        };
        listed
            .or_else(|| {
                (self.nixos_key_is_implicit(file) && self.registry.pairs(url, NIXOS_KEY_NAME)).then_some(NIXOS_KEY_NAME)
            })
            .or_else(|| {
                (self.registry.pairs(url, FLAKEHUB_KEY_NAME) && self.uses_determinate()).then_some(FLAKEHUB_KEY_NAME)
            })
    }

    fn uses_determinate(&self) -> bool {
        *self.determinate.get_or_init(|| self.files.iter().any(|f| f.text.contains("determinate")))
    }

    /// True when some store URL of this run plausibly pairs with the key `name`.
    pub fn key_is_used(&self, name: &str) -> bool {
        self.used.contains(name)
    }

    /// Every substituter of the named files that Nix uses, with its paired key.
    pub fn caches(&self) -> Vec<CacheEntry> {
        self.items
            .iter()
            .filter(|i| i.at.is_substituters() && self.files.get(i.at.file).is_some_and(|f| f.named))
            .filter_map(|i| {
                let url = i.public_value()?;
                let d = self.diag(i.at.file, i.offset(), &super::syntax_error::RULE, String::new());
                Some(CacheEntry {
                    url: url.to_owned(),
                    file: d.file,
                    line: d.line,
                    key: self.key_for(i.at.file, url).map(str::to_owned),
                })
            })
            .collect()
    }

    /// Valid public keys of the run, first per name, plus cache.nixos.org's when it is
    /// implicit for a named file: what `check --online` verifies signatures with.
    pub fn trusted_keys(&self) -> Vec<PublicKey> {
        let mut out: Vec<PublicKey> = Vec::new();
        for k in self.keys().filter_map(|i| i.key.as_ref()?.as_ref().ok()) {
            if !out.iter().any(|o| o.name == k.name) {
                out.push(k.clone());
            }
        }
        let implicit = (0..self.files.len()).any(|f| self.files[f].named && self.nixos_key_is_implicit(f));
        if implicit && !out.iter().any(|o| o.name == NIXOS_KEY_NAME) {
            let published = self.registry.by_key_name(NIXOS_KEY_NAME).map(|c| c.key.as_str());
            if let Some(k) = published.and_then(|k| PublicKey::parse(k).ok()) {
                out.push(k);
            }
        }
        out
    }
}

/// Pairs every distinct store URL with every distinct key name once: `Registry::pairs`
/// parses and normalises, so asking it per rule would cost rules × URLs × keys.
type Pairing<'a> = (HashMap<&'a str, Option<&'a str>>, HashSet<&'a str>);

fn pairing<'a>(registry: &Registry, items: &[Item<'a>]) -> Pairing<'a> {
    let mut names: Vec<&'a str> = Vec::new();
    for n in items.iter().filter(|i| i.at.is_keys()).filter_map(Item::key_name) {
        if !names.contains(&n) {
            names.push(n);
        }
    }
    let mut paired = HashMap::new();
    let mut used = HashSet::new();
    for url in items.iter().filter(|i| i.at.is_store_urls()).filter_map(Item::public_value) {
        if paired.contains_key(url) {
            continue;
        }
        let target = pairing_url(url);
        let mut first = None;
        for &name in names.iter().filter(|n| registry.pairs(&target, n)) {
            first.get_or_insert(name);
            used.insert(name);
        }
        paired.insert(url, first);
    }
    (paired, used)
}

/// The URL to pair keys with: as written, or with `https://` when the scheme is missing,
/// so a scheme-less URL (an `invalid-url` error) does not also make its key "unused".
fn pairing_url(v: &str) -> std::borrow::Cow<'_, str> {
    if v.contains("://") || StoreUrl::parse(v).is_ok() { v.into() } else { format!("https://{v}").into() }
}

/// Base64 as lenient as Nix's decoder (padding optional).
const B64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// True when a value is (or carries) 64 bytes of base64: a secret signing key, with or
/// without its `name:` prefix. Such a value is never printed.
pub fn is_secret(s: &str) -> bool {
    let s = s.trim();
    let b64 = s.split_once(':').map_or(s, |(_, b)| b).trim();
    b64.len() >= 86 && B64.decode(b64).is_ok_and(|b| b.len() == 64)
}

/// A value as it may appear in a message: redacted if secret, control characters escaped,
/// long values shortened, so one finding stays one line.
pub fn show(s: &str) -> String {
    if is_secret(s) {
        return match keys::key_name(s) {
            Some(name) => format!("{name}:<secret redacted>"),
            None => "<secret redacted>".to_owned(),
        };
    }
    let s = crate::store_url::redact_credentials(s);
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i == 120 {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// The URL of a store-URL element, if it parses.
pub fn store_url(item: &Item<'_>) -> Option<StoreUrl> {
    item.public_value().and_then(|v| StoreUrl::parse(v).ok())
}

/// The modern option a deprecated `nix.*` list was renamed to.
pub fn modern_name(kind: ListKind) -> &'static str {
    match kind {
        ListKind::BinaryCaches => "substituters",
        ListKind::BinaryCachePublicKeys => "trusted-public-keys",
        ListKind::TrustedBinaryCaches => "trusted-substituters",
        other => other.name(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_recognised_with_or_without_a_name_and_never_shown() {
        let raw = keys::encode_b64(&[5u8; 64]);
        assert!(is_secret(&format!("k:{raw}")));
        assert!(is_secret(&raw));
        assert!(is_secret(raw.trim_end_matches('=')));
        assert_eq!(show(&format!("k:{raw}")), "k:<secret redacted>");
        assert_eq!(show(&raw), "<secret redacted>");
        assert!(!is_secret("cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY="));
    }

    #[test]
    fn shown_values_stay_on_one_line() {
        assert_eq!(show("a\nb"), "a\\nb");
        assert_eq!(show(&"x".repeat(200)).chars().count(), 121);
    }
}
