//! The running Nix against the file: what `nix show-config --json` (or `nix config show
//! --json`) says is in effect, compared with what the configuration sets. Pure: the command
//! runs Nix and gathers the file's settings.
//!
//! Drift is common: the file has the cache, but the running nix-daemon does not yet (no
//! `nixos-rebuild switch`), or the user is not in `trusted-users`, so a flake's `nixConfig`
//! substituters are ignored for them.

use serde::Serialize;

use crate::store_url;

/// The settings of the running Nix that decide substitution.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SystemConfig {
    pub substituters: Vec<String>,
    pub trusted_substituters: Vec<String>,
    pub trusted_public_keys: Vec<String>,
    pub trusted_users: Vec<String>,
    pub require_sigs: bool,
    pub connect_timeout: i64,
    pub fallback: bool,
}

impl SystemConfig {
    /// Reads the JSON of `nix show-config --json`: each setting is `{"value": …, …}` (older
    /// Nix printed the value itself; both are read).
    pub fn from_json(v: &serde_json::Value) -> Option<SystemConfig> {
        let get = |k: &str| v.get(k).map(|s| s.get("value").unwrap_or(s));
        let list = |k: &str| -> Vec<String> {
            match get(k) {
                Some(serde_json::Value::Array(a)) => a.iter().filter_map(|x| x.as_str().map(str::to_owned)).collect(),
                Some(serde_json::Value::String(s)) => s.split_whitespace().map(str::to_owned).collect(),
                _ => Vec::new(),
            }
        };
        let boolean = |k: &str, d: bool| match get(k) {
            Some(serde_json::Value::Bool(b)) => *b,
            Some(serde_json::Value::String(s)) => s == "true",
            _ => d,
        };
        get("substituters")?;
        Some(SystemConfig {
            substituters: list("substituters"),
            trusted_substituters: list("trusted-substituters"),
            trusted_public_keys: list("trusted-public-keys"),
            trusted_users: list("trusted-users"),
            require_sigs: boolean("require-sigs", true),
            connect_timeout: get("connect-timeout")
                .and_then(|x| x.as_i64().or_else(|| x.as_str()?.parse().ok()))
                .unwrap_or(0),
            fallback: boolean("fallback", false),
        })
    }

    /// True when `user` (with its `groups`) is in `trusted-users` (`*` and `@group` count).
    pub fn trusts(&self, user: &str, groups: &[String]) -> bool {
        self.trusted_users
            .iter()
            .any(|t| t == "*" || t == user || t.strip_prefix('@').is_some_and(|g| groups.iter().any(|x| x == g)))
    }
}

/// A value of the file, with where it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placed {
    pub value: String,
    pub file: String,
    pub line: usize,
    pub column: usize,
}

/// What the configuration files set, as far as the running Nix is concerned.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileConfig {
    pub substituters: Vec<Placed>,
    pub keys: Vec<Placed>,
    pub require_sigs: Option<Placed>,
    pub connect_timeout: Option<Placed>,
    pub fallback: Option<Placed>,
    pub trusted_users: Vec<Placed>,
    /// Substituters set in a flake's `nixConfig` (used only for trusted users).
    pub flake_substituters: Vec<Placed>,
}

/// One difference, at a place of the file (or `None`: the first file, line 1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Drift {
    /// `error` for what the file sets and the running Nix lacks, `info` for the reverse.
    pub severity: &'static str,
    pub file: Option<String>,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

const ACTIVATE: &str = "the configuration is not active yet: run `sudo nixos-rebuild switch` (or `darwin-rebuild switch`, `home-manager switch`), then restart nix-daemon if it keeps the old settings";

fn at(p: &Placed, severity: &'static str, message: String) -> Drift {
    Drift { severity, file: Some(p.file.clone()), line: p.line, column: p.column, message }
}

/// Every difference between the file and the running Nix, for `user` in `groups`.
pub fn drift(file: &FileConfig, sys: &SystemConfig, user: &str, groups: &[String]) -> Vec<Drift> {
    let mut out = Vec::new();
    let norm = |v: &[String]| v.iter().map(|u| store_url::normalize(u)).collect::<Vec<_>>();
    let sys_subs = norm(&sys.substituters);
    for s in &file.substituters {
        if !sys_subs.contains(&store_url::normalize(&s.value)) {
            let shown = store_url::redact_credentials(&s.value);
            out.push(at(s, "error", format!("`{shown}` is set here but the running Nix does not use it: {ACTIVATE}")));
        }
    }
    let file_subs: Vec<String> = file.substituters.iter().map(|s| store_url::normalize(&s.value)).collect();
    for (i, u) in sys.substituters.iter().enumerate() {
        if !file_subs.contains(&sys_subs[i]) && sys_subs[i] != "https://cache.nixos.org" {
            out.push(Drift {
                severity: "info",
                file: None,
                line: 1,
                column: 1,
                message: format!(
                    "the running Nix also uses `{}`, which these files do not set (another module, nix.conf, or an older generation)",
                    store_url::redact_credentials(u)
                ),
            });
        }
    }
    let sys_keys: Vec<&str> = sys.trusted_public_keys.iter().map(|k| k.trim()).collect();
    for k in &file.keys {
        if !sys_keys.contains(&k.value.trim()) {
            let name = crate::keys::key_name(&k.value).unwrap_or("?");
            out.push(at(k, "error", format!("key `{name}` is trusted here but not by the running Nix, which rejects that cache's paths: {ACTIVATE}")));
        }
    }
    if let Some(p) = &file.require_sigs {
        let want = p.value.split_whitespace().last() != Some("false");
        if want != sys.require_sigs {
            out.push(at(
                p,
                "error",
                format!("require-sigs is `{}` here but `{}` in the running Nix: {ACTIVATE}", want, sys.require_sigs),
            ));
        }
    }
    if let Some(p) = &file.connect_timeout {
        let want: Option<i64> =
            p.value.split_whitespace().last().and_then(|v| v.trim_matches(|c| c == '(' || c == ')').parse().ok());
        if want.is_some_and(|w| w != sys.connect_timeout) {
            out.push(at(
                p,
                "error",
                format!(
                    "connect-timeout is {} here but {} in the running Nix: {ACTIVATE}",
                    want.unwrap_or(0),
                    sys.connect_timeout
                ),
            ));
        }
    }
    if let Some(p) = &file.fallback {
        let want = p.value.split_whitespace().last() == Some("true");
        if want != sys.fallback {
            out.push(at(
                p,
                "error",
                format!("fallback is `{want}` here but `{}` in the running Nix: {ACTIVATE}", sys.fallback),
            ));
        }
    }
    let trusted = sys.trusts(user, groups) || user == "root";
    if !trusted {
        if let Some(p) = file.trusted_users.iter().find(|t| t.value == user || t.value == "*") {
            out.push(at(p, "error", format!("`{user}` is a trusted user here but not in the running Nix: {ACTIVATE}")));
        } else if let Some(p) = file.flake_substituters.first() {
            out.push(at(
                p,
                "error",
                format!(
                    "you (`{user}`) are not in the running Nix's trusted-users, so it ignores this flake's nixConfig substituters for you (\"ignoring untrusted substituter\"): add `{user}` to nix.settings.trusted-users, or put the cache in nix.settings"
                ),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn placed(v: &str, line: usize) -> Placed {
        Placed { value: v.into(), file: "m.nix".into(), line, column: 5 }
    }

    #[test]
    fn each_difference_is_named_with_what_to_run() {
        let sys = SystemConfig::from_json(&serde_json::json!({
            "substituters": {"value": ["https://cache.nixos.org/", "https://old.example.org"]},
            "trusted-public-keys": {"value": ["a-1:mB9FSh9qf2dCimDSUo8Zy7bkq5CX+/rkCWyvRCYg3Fs="]},
            "trusted-users": {"value": ["root", "@wheel"]},
            "require-sigs": {"value": true}, "connect-timeout": {"value": 0}, "fallback": {"value": false}
        }))
        .expect("parses");
        let file = FileConfig {
            substituters: vec![placed("https://cache.nixos.org", 3), placed("http://magnolia:5000", 4)],
            keys: vec![
                placed("a-1:mB9FSh9qf2dCimDSUo8Zy7bkq5CX+/rkCWyvRCYg3Fs=", 6),
                placed("magnolia.cache:7MVdzDOzQsVItEh+ewmU4Ga8TOke40asmXY1p9nQhC0=", 7),
            ],
            connect_timeout: Some(placed("5", 8)),
            fallback: Some(placed("true", 9)),
            flake_substituters: vec![placed("https://nix-community.cachix.org", 12)],
            ..FileConfig::default()
        };
        let d = drift(&file, &sys, "me", &["users".into()]);
        let got: Vec<String> = d
            .iter()
            .map(|d| format!("{} {} {}", d.severity, d.line, d.message.split(':').next().unwrap_or("")))
            .collect();
        expect_test::expect![[r#"
            [
                "error 4 `http",
                "info 1 the running Nix also uses `https",
                "error 7 key `magnolia.cache` is trusted here but not by the running Nix, which rejects that cache's paths",
                "error 8 connect-timeout is 5 here but 0 in the running Nix",
                "error 9 fallback is `true` here but `false` in the running Nix",
                "error 12 you (`me`) are not in the running Nix's trusted-users, so it ignores this flake's nixConfig substituters for you (\"ignoring untrusted substituter\")",
            ]
        "#]]
        .assert_debug_eq(&got);
        assert!(drift(&file, &sys, "me", &["wheel".into()]).iter().all(|d| !d.message.contains("trusted-users")));
    }
}
