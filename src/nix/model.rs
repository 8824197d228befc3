//! What the locator found in one Nix file: settings blocks ("sites") and their cache lists.
//!
//! The model is plain data with text ranges into the source, so the editor can compute
//! `TextEdit`s from it and the linter can report `file:line:col` without touching the tree.

use rowan::TextRange;
use serde::Serialize;

/// A Nix option that holds caches or keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ListKind {
    Substituters,
    TrustedPublicKeys,
    ExtraSubstituters,
    ExtraTrustedPublicKeys,
    TrustedSubstituters,
    /// `extra-trusted-substituters`, appended to `trusted-substituters`.
    ExtraTrustedSubstituters,
    /// Deprecated `nix.binaryCaches`.
    BinaryCaches,
    /// Deprecated `nix.binaryCachePublicKeys`.
    BinaryCachePublicKeys,
    /// Deprecated `nix.trustedBinaryCaches`.
    TrustedBinaryCaches,
}

impl ListKind {
    pub const ALL: [ListKind; 9] = [
        ListKind::Substituters,
        ListKind::TrustedPublicKeys,
        ListKind::ExtraSubstituters,
        ListKind::ExtraTrustedPublicKeys,
        ListKind::TrustedSubstituters,
        ListKind::ExtraTrustedSubstituters,
        ListKind::BinaryCaches,
        ListKind::BinaryCachePublicKeys,
        ListKind::TrustedBinaryCaches,
    ];

    /// The option name as written in Nix.
    pub fn name(self) -> &'static str {
        match self {
            ListKind::Substituters => "substituters",
            ListKind::TrustedPublicKeys => "trusted-public-keys",
            ListKind::ExtraSubstituters => "extra-substituters",
            ListKind::ExtraTrustedPublicKeys => "extra-trusted-public-keys",
            ListKind::TrustedSubstituters => "trusted-substituters",
            ListKind::ExtraTrustedSubstituters => "extra-trusted-substituters",
            ListKind::BinaryCaches => "binaryCaches",
            ListKind::BinaryCachePublicKeys => "binaryCachePublicKeys",
            ListKind::TrustedBinaryCaches => "trustedBinaryCaches",
        }
    }

    /// The option for a name in a `nix.settings`/`nixConfig`/nix.conf context.
    pub fn from_setting(name: &str) -> Option<ListKind> {
        [
            ListKind::Substituters,
            ListKind::TrustedPublicKeys,
            ListKind::ExtraSubstituters,
            ListKind::ExtraTrustedPublicKeys,
            ListKind::TrustedSubstituters,
            ListKind::ExtraTrustedSubstituters,
        ]
        .into_iter()
        .find(|k| k.name() == name)
    }

    /// The option for a deprecated `nix.<name>`.
    pub fn from_legacy(name: &str) -> Option<ListKind> {
        [ListKind::BinaryCaches, ListKind::BinaryCachePublicKeys, ListKind::TrustedBinaryCaches]
            .into_iter()
            .find(|k| k.name() == name)
    }

    /// Lists of public keys (as opposed to store URLs).
    pub fn is_keys(self) -> bool {
        matches!(self, ListKind::TrustedPublicKeys | ListKind::ExtraTrustedPublicKeys | ListKind::BinaryCachePublicKeys)
    }

    /// Lists of caches Nix actually substitutes from (not merely "trusted" ones).
    pub fn is_substituters(self) -> bool {
        matches!(self, ListKind::Substituters | ListKind::ExtraSubstituters | ListKind::BinaryCaches)
    }

    pub fn is_deprecated(self) -> bool {
        matches!(self, ListKind::BinaryCaches | ListKind::BinaryCachePublicKeys | ListKind::TrustedBinaryCaches)
    }

    /// The key list that goes with a substituter list (and vice versa).
    pub fn partner(self) -> ListKind {
        match self {
            ListKind::Substituters => ListKind::TrustedPublicKeys,
            ListKind::TrustedPublicKeys => ListKind::Substituters,
            ListKind::ExtraSubstituters => ListKind::ExtraTrustedPublicKeys,
            ListKind::ExtraTrustedPublicKeys => ListKind::ExtraSubstituters,
            ListKind::TrustedSubstituters => ListKind::TrustedPublicKeys,
            ListKind::ExtraTrustedSubstituters => ListKind::ExtraTrustedPublicKeys,
            ListKind::BinaryCaches => ListKind::BinaryCachePublicKeys,
            ListKind::BinaryCachePublicKeys => ListKind::BinaryCaches,
            ListKind::TrustedBinaryCaches => ListKind::BinaryCachePublicKeys,
        }
    }
}

/// What kind of block a site is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SiteKind {
    /// `nix.settings` of a NixOS, nix-darwin or home-manager module.
    Settings,
    /// Deprecated options directly under `nix` (`nix.binaryCaches`).
    Legacy,
    /// A flake's top-level `nixConfig`.
    FlakeConfig,
    /// Lines of nix.conf text in `nix.extraOptions` (read-only, unless a line interpolates
    /// a list bound in a `let` of the file).
    ExtraOptions,
    /// A set of Nix settings outside `nix.settings`: a `vars.nix`-style file, a set returned
    /// by a function (`mkNixConfig = …: { settings = { … }; }`), a `let`-bound set.
    Bare,
    /// `determinateNix.customSettings` of Determinate Nix's nix-darwin module.
    Determinate,
    /// nix.conf lines in other text (`environment.etc."nix/nix.conf".text`, `home.file`,
    /// `xdg.configFile`, …); read-only unless a line interpolates a `let`-bound list.
    ConfText,
    /// A computed `nix.settings = <expr>` (or `nixConfig`, `customSettings`): read-only.
    Computed,
}

impl SiteKind {
    /// Sites `check` lints. A bare set, nix.conf text in other files' options and computed
    /// values are read for `add`/`remove`/`list` only: their keys often live under names or in
    /// files the lints cannot pair, so linting them would raise false warnings.
    pub fn linted(self) -> bool {
        !matches!(self, SiteKind::Bare | SiteKind::ConfText | SiteKind::Computed)
    }

    /// Sites whose lists are read from nix.conf text.
    pub fn is_text(self) -> bool {
        matches!(self, SiteKind::ExtraOptions | SiteKind::ConfText)
    }
}

/// The value of one list element as far as it can be known without evaluation.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(tag = "type", content = "value", rename_all = "kebab-case")]
pub enum ElemValue {
    /// A plain string (or old unquoted URL literal), possibly wrapped in `(lib.mkBefore …)`.
    Str(String),
    /// Anything else (interpolation, `''…''`, identifiers): its source text, left alone.
    Opaque(String),
}

impl ElemValue {
    pub fn as_str(&self) -> Option<&str> {
        match self {
            ElemValue::Str(s) => Some(s),
            ElemValue::Opaque(_) => None,
        }
    }
}

/// One element of a literal list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element {
    pub value: ElemValue,
    /// The whole element, wrapper call included.
    pub range: TextRange,
    /// The string literal inside the element, when the value is a plain string.
    pub literal_range: Option<TextRange>,
    /// A comment on the same line after the element (taken along on removal).
    pub comment: Option<String>,
}

/// How the value of a list option is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListValue {
    /// One or more literal lists cachectl can edit.
    Literal {
        /// The literal list node new elements go into.
        target: TextRange,
        /// Elements of every literal list in the value (`[ … ] ++ [ … ]`), in order.
        elements: Vec<Element>,
        /// `mkBefore`, `mkForce`, `mkOrder`… wrapped around the list, if any.
        wrapper: Option<String>,
        /// Other, non-literal operands of `++` (e.g. `lib.optional c "…"`) exist.
        dynamic: bool,
        /// Strings inside those operands: added conditionally, read but not removed.
        conditional: Vec<Element>,
        /// The list is bound in a `let` of this file under this name.
        via_let: Option<String>,
    },
    /// A value that cachectl reads but will not edit, with the reason.
    Refused {
        reason: String,
        /// Whatever strings could be read statically (e.g. from nix.conf text).
        elements: Vec<Element>,
    },
}

/// One option binding that sets a cache list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheList {
    pub kind: ListKind,
    /// The whole `attrpath = value;` binding (or the nix.conf line).
    pub binding: TextRange,
    pub value: ListValue,
}

impl CacheList {
    pub fn elements(&self) -> &[Element] {
        match &self.value {
            ListValue::Literal { elements, .. } | ListValue::Refused { elements, .. } => elements,
        }
    }

    /// Strings added conditionally next to the literal list (`++ lib.optional c "…"`).
    pub fn conditional(&self) -> &[Element] {
        match &self.value {
            ListValue::Literal { conditional, .. } => conditional,
            ListValue::Refused { .. } => &[],
        }
    }

    pub fn wrapper(&self) -> Option<&str> {
        match &self.value {
            ListValue::Literal { wrapper, .. } => wrapper.as_deref(),
            ListValue::Refused { .. } => None,
        }
    }

    pub fn refusal(&self) -> Option<&str> {
        match &self.value {
            ListValue::Refused { reason, .. } => Some(reason),
            ListValue::Literal { .. } => None,
        }
    }
}

/// Where a new binding can be inserted into a site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Anchor {
    /// After this binding (its end, before any same-line comment is handled by the editor),
    /// with the attrpath prefix the sibling uses (e.g. `nix.settings.` or ``).
    After { binding: TextRange, prefix: String },
    /// Inside this empty attribute set (`{ }`).
    Empty { attrset: TextRange },
}

/// One settings block: the lists that Nix merges as a unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    pub kind: SiteKind,
    /// The attribute path of the block, e.g. `nix.settings`, `config.nix.settings`, `nixConfig`.
    pub path: String,
    /// The text range the block covers (used by `--at LINE`).
    pub range: TextRange,
    pub lists: Vec<CacheList>,
    /// Where a missing list can be created; `None` when the site is read-only.
    pub anchor: Option<Anchor>,
    /// The other settings of the block (`connect-timeout`, `fallback`, …), as written.
    pub other: Vec<Setting>,
    /// cachectl may choose this site by itself; otherwise only `--at LINE` selects it (a set
    /// of settings found in a place that does not prove it is one).
    pub auto: bool,
    /// The block is under `lib.mkIf` or a branch of `if … then … else`: present only
    /// sometimes, so two such blocks may exclude each other.
    pub conditional: bool,
}

/// A non-list setting next to the cache lists, e.g. `connect-timeout = 5;`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    pub name: String,
    pub binding: TextRange,
    /// The value's source text (`5`, `true`, `lib.mkDefault true`).
    pub value: String,
}

impl Site {
    pub fn list(&self, kind: ListKind) -> Option<&CacheList> {
        self.lists.iter().find(|l| l.kind == kind)
    }

    /// The substituter list `add` appends to, if one exists.
    pub fn substituter_list(&self) -> Option<&CacheList> {
        self.lists.iter().find(|l| l.kind.is_substituters())
    }

    pub fn setting(&self, name: &str) -> Option<&Setting> {
        self.other.iter().find(|s| s.name == name)
    }

    pub fn has_caches(&self) -> bool {
        self.lists.iter().any(|l| l.kind.is_substituters() || l.kind.is_keys())
    }

    /// True when `add` can write here: a literal list, or an anchor for new lists.
    pub fn editable(&self) -> bool {
        self.anchor.is_some() || self.lists.iter().any(|l| l.refusal().is_none())
    }

    /// Why nothing of this site can be edited, if so.
    pub fn read_only_reason(&self) -> Option<&str> {
        match self.editable() {
            true => None,
            false => Some(self.lists.iter().find_map(|l| l.refusal()).unwrap_or("cachectl cannot edit this place")),
        }
    }
}

/// Everything the locator found in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileModel {
    pub sites: Vec<Site>,
    /// Places that set caches in a way cachectl refuses to handle (e.g. `inherit (x) …`).
    pub refusals: Vec<Refusal>,
    /// Cache-list names in places that are not settings cachectl recognises (a dotted
    /// `foo.substituters`, an unused `let substituters`): they only forbid creating a block.
    pub strays: Vec<Refusal>,
    /// Where a new `nix.settings`/`nixConfig` block can go, or why it cannot.
    pub create: Result<CreatePoint, String>,
    /// The file is a flake (top-level `outputs`).
    pub is_flake: bool,
}

impl FileModel {
    /// True when the file sets a cache anywhere, in any shape cachectl reads.
    pub fn sets_caches(&self) -> bool {
        self.sites.iter().any(|s| !s.lists.is_empty()) || !self.refusals.is_empty() || !self.strays.is_empty()
    }
}

/// A construct that sets caches but cannot be edited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub range: TextRange,
    pub reason: String,
}

/// Where a whole new block (`nix.settings = { … };` or `nixConfig = { … };`) can go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatePoint {
    pub anchor: Anchor,
    /// The attribute path to write (`nix.settings`, `settings` inside `nix = { … }`).
    pub write_path: String,
    /// The full path the new site will have (`nix.settings`, `config.nix.settings`).
    pub site_path: String,
    pub kind: SiteKind,
}
