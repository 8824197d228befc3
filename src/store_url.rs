//! Nix store URLs as used in `substituters`: validation, normalisation and host classes.
//!
//! Two URLs name the same cache when they are equal after dropping store parameters
//! (`?priority=10&trusted=1`), a trailing `/`, and case in the scheme and host.

use thiserror::Error;

/// Schemes Nix accepts for substituters.
pub const SCHEMES: &[&str] = &["http", "https", "s3", "gs", "ssh", "ssh-ng", "file", "local", "daemon", "unix"];

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum UrlError {
    #[error("store url is empty")]
    Empty,
    #[error("store url contains whitespace, a quote, a backslash or a control character")]
    BadChar,
    #[error("store url contains `${{`, which Nix would treat as code")]
    Interpolation,
    #[error("`{0}` is not a store url: expected scheme://… with one of {schemes}", schemes = SCHEMES.join(", "))]
    NoScheme(String),
    #[error("`{scheme}` is not a Nix store scheme (expected one of {schemes})", schemes = SCHEMES.join(", "))]
    UnknownScheme { scheme: String },
    #[error("store url `{0}` has no host")]
    NoHost(String),
    #[error("store url `{0}` has a non-ASCII host name: write it in its punycode form (`xn--…`)")]
    NonAsciiHost(String),
}

/// A parsed store URL. `raw` is kept as written so parameters survive edits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreUrl {
    pub raw: String,
    pub scheme: String,
    /// Host without port or user (empty for `file://`, `daemon`, …).
    pub host: String,
    pub port: Option<u16>,
    /// Everything after `?`, if present.
    pub params: Option<String>,
}

impl StoreUrl {
    /// Parses and validates a store URL given by the user or read from a file.
    pub fn parse(s: &str) -> Result<StoreUrl, UrlError> {
        if s.is_empty() {
            return Err(UrlError::Empty);
        }
        if s.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, '"' | '\'' | '\\' | '`')) {
            return Err(UrlError::BadChar);
        }
        if s.contains("${") {
            return Err(UrlError::Interpolation);
        }
        if matches!(s, "daemon" | "local" | "auto") {
            return Ok(StoreUrl { raw: s.into(), scheme: s.into(), host: String::new(), port: None, params: None });
        }
        let (scheme, rest) = s.split_once("://").ok_or_else(|| UrlError::NoScheme(s.to_owned()))?;
        let scheme_l = scheme.to_ascii_lowercase();
        if !SCHEMES.contains(&scheme_l.as_str()) {
            return Err(UrlError::UnknownScheme { scheme: scheme.to_owned() });
        }
        let (before_q, params) = match rest.split_once('?') {
            Some((a, p)) => (a, Some(p.to_owned())),
            None => (rest, None),
        };
        let authority = before_q.split('/').next().unwrap_or_default();
        let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        let (host, port) = split_host_port(hostport);
        let needs_host = matches!(scheme_l.as_str(), "http" | "https" | "s3" | "gs" | "ssh" | "ssh-ng");
        if needs_host && host.is_empty() {
            return Err(UrlError::NoHost(s.to_owned()));
        }
        // cachectl's HTTP stack resolves ASCII names only (url's IDNA back end is the
        // ASCII stub, see Cargo.toml); the punycode form works everywhere, Nix included.
        if !host.is_ascii() {
            return Err(UrlError::NonAsciiHost(s.to_owned()));
        }
        Ok(StoreUrl { raw: s.to_owned(), scheme: scheme_l, host: host.to_ascii_lowercase(), port, params })
    }

    /// The URL without parameters, as written (trailing slash kept).
    pub fn base(&self) -> &str {
        self.raw.split('?').next().unwrap_or(&self.raw)
    }

    /// The comparison key: no parameters, no trailing slash, lowercase scheme and host.
    pub fn key(&self) -> String {
        normalize(&self.raw)
    }

    /// A copy of `self` at another base URL, keeping this URL's store parameters.
    pub fn rebased(&self, new_base: &str) -> String {
        let base = new_base.split('?').next().unwrap_or(new_base);
        match &self.params {
            Some(p) => format!("{base}?{p}"),
            None => base.to_owned(),
        }
    }

    /// A host that is only reachable on a private network: loopback, RFC 1918/link-local
    /// addresses, `.local`/`.lan`/`.home.arpa`, tailnet names (no dot, or `*.ts.net`), and
    /// names under a top-level domain the internet does not resolve (`wolf.shack`).
    pub fn is_private_host(&self) -> bool {
        self.is_loopback() || self.is_lan() || self.is_tailnet() || self.is_private_domain()
    }

    /// A DNS name under a top-level domain that is not public: a special-use one (`.test`,
    /// `.internal`, …) or one that is neither a country nor a generic domain seen on caches.
    /// A public domain taken for a private one only makes `check` quieter.
    fn is_private_domain(&self) -> bool {
        let h = self.host.trim_end_matches('.');
        if ipv4(h).is_some() || h.starts_with('[') || !h.contains('.') {
            return false;
        }
        let tld = h.rsplit('.').next().unwrap_or_default().to_ascii_lowercase();
        PRIVATE_TLDS.contains(&tld.as_str()) || (tld.len() != 2 && !PUBLIC_TLDS.contains(&tld.as_str()))
    }

    pub fn is_loopback(&self) -> bool {
        let h = self.host.trim_matches(|c| c == '[' || c == ']');
        h == "localhost" || h.starts_with("127.") || h == "::1"
    }

    /// A LAN address or name (RFC 1918, link-local, `.local`, `.lan`, `.home.arpa`).
    pub fn is_lan(&self) -> bool {
        let h = self.host.as_str();
        if let Some(o) = ipv4(h) {
            return o[0] == 10
                || (o[0] == 172 && (16..=31).contains(&o[1]))
                || (o[0] == 192 && o[1] == 168)
                || (o[0] == 169 && o[1] == 254);
        }
        h.ends_with(".local") || h.ends_with(".lan") || h.ends_with(".home.arpa") || h.ends_with(".internal")
    }

    /// A Tailscale name: a bare host without dots (MagicDNS), `*.ts.net`, or a 100.64/10 address.
    pub fn is_tailnet(&self) -> bool {
        let h = self.host.as_str();
        if let Some(o) = ipv4(h) {
            return o[0] == 100 && (64..=127).contains(&o[1]);
        }
        (!h.is_empty() && !h.contains('.') && !h.contains(':') && h != "localhost") || h.ends_with(".ts.net")
    }

    pub fn is_http(&self) -> bool {
        self.scheme == "http" || self.scheme == "https"
    }

    /// True when an http(s) URL carries credentials (`https://user:pass@host`): Nix copies
    /// substituter URLs into the world-readable nix.conf and the store, so they leak.
    /// (`ssh://user@host` names a login, not a secret, and is not counted.)
    pub fn has_credentials(&self) -> bool {
        self.is_http() && userinfo_end(&self.raw).is_some()
    }
}

/// The byte offset of the `@` ending the userinfo of a URL-ish string, if it has one.
fn userinfo_end(s: &str) -> Option<usize> {
    let start = s.find("://")? + 3;
    let rest = &s[start..];
    let authority_len = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    rest[..authority_len].rfind('@').map(|i| start + i)
}

/// `s` with the userinfo of an http(s) URL replaced by `<credentials redacted>`, so no
/// message ever shows a password (or a token used as the user name).
pub fn redact_credentials(s: &str) -> std::borrow::Cow<'_, str> {
    let scheme = s.split_once("://").map(|(sc, _)| sc.to_ascii_lowercase());
    match (scheme.as_deref(), userinfo_end(s)) {
        (Some("http" | "https"), Some(at)) => {
            let start = s.find("://").map_or(0, |i| i + 3);
            format!("{}<credentials redacted>{}", &s[..start], &s[at..]).into()
        }
        _ => s.into(),
    }
}

/// Top-level domains that do not resolve on the public internet (RFC 6761, RFC 8375's
/// `home.arpa`, and the names home networks use).
const PRIVATE_TLDS: &[&str] =
    &["lan", "home", "arpa", "local", "localdomain", "localhost", "internal", "intranet", "corp", "private", "test"];

/// Generic top-level domains seen on public caches; two-letter ones are countries.
const PUBLIC_TLDS: &[&str] = &[
    "com", "net", "org", "edu", "gov", "mil", "int", "info", "biz", "name", "pro", "dev", "app", "xyz", "cloud",
    "systems", "tech", "page", "site", "online", "network", "codes", "zone", "one", "link", "host", "website", "space",
    "run", "sh", "blog", "work", "club", "top", "computer", "services", "software", "builders", "garden",
];

fn split_host_port(hp: &str) -> (&str, Option<u16>) {
    if hp.starts_with('[') {
        return match hp.split_once("]:") {
            Some((h, p)) => (&hp[..h.len() + 1], p.parse().ok()),
            None => (hp, None),
        };
    }
    match hp.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') => (h, p.parse().ok()),
        _ => (hp, None),
    }
}

fn ipv4(h: &str) -> Option<[u8; 4]> {
    let ip: std::net::Ipv4Addr = h.parse().ok()?;
    Some(ip.octets())
}

/// The comparison key of any URL-ish string (works on invalid ones too).
pub fn normalize(s: &str) -> String {
    let base = s.trim().split('?').next().unwrap_or_default().trim_end_matches('/');
    match base.split_once("://") {
        Some((scheme, rest)) => {
            let (auth, path) = match rest.find('/') {
                Some(i) => rest.split_at(i),
                None => (rest, ""),
            };
            format!("{}://{}{}", scheme.to_ascii_lowercase(), auth.to_ascii_lowercase(), path)
        }
        None => base.to_owned(),
    }
}

/// The host part of a URL-ish string, lowercase, if any.
pub fn host_of(s: &str) -> Option<String> {
    StoreUrl::parse(s).ok().map(|u| u.host).filter(|h| !h.is_empty())
}

#[cfg(test)]
mod tests {

    #[test]
    fn credentials_are_found_and_redacted() {
        let u = StoreUrl::parse("https://me:hunter2@cache.example.org/x?priority=5").expect("parses");
        assert!(u.has_credentials());
        assert_eq!(u.host, "cache.example.org");
        let shown = redact_credentials(&u.raw);
        assert_eq!(shown, "https://<credentials redacted>@cache.example.org/x?priority=5");
        assert!(!StoreUrl::parse("https://cache.example.org/a@b").expect("parses").has_credentials());
        assert!(!StoreUrl::parse("ssh-ng://builder@host").expect("parses").has_credentials());
        assert_eq!(redact_credentials("ssh://me@host"), "ssh://me@host");
        assert_eq!(redact_credentials("http://tok@h:5000"), "http://<credentials redacted>@h:5000");
    }
    use super::*;

    #[test]
    fn same_cache_ignores_slash_params_and_case() {
        assert_eq!(normalize("https://Cache.NixOS.org/"), normalize("https://cache.nixos.org"));
        assert_eq!(normalize("https://x.cachix.org?priority=10"), "https://x.cachix.org");
        assert_ne!(normalize("https://a.org/x"), normalize("https://a.org"));
    }

    #[test]
    fn params_survive_rebase() {
        let u = StoreUrl::parse("http://magnolia:5000?priority=10&trusted=1").expect("ok");
        assert_eq!(u.host, "magnolia");
        assert_eq!(u.port, Some(5000));
        assert_eq!(u.rebased("http://192.168.1.50:5000"), "http://192.168.1.50:5000?priority=10&trusted=1");
    }

    #[test]
    fn rejects_injection_and_junk() {
        assert_eq!(StoreUrl::parse("https://a\"; x = 1; \""), Err(UrlError::BadChar));
        assert_eq!(StoreUrl::parse("https://a/${builtins.x}"), Err(UrlError::Interpolation));
        assert!(matches!(StoreUrl::parse("ftp://a"), Err(UrlError::UnknownScheme { .. })));
        assert!(matches!(StoreUrl::parse("cache.nixos.org"), Err(UrlError::NoScheme(_))));
        assert!(matches!(StoreUrl::parse("https:///x"), Err(UrlError::NoHost(_))));
        assert!(StoreUrl::parse("ssh-ng://builder@host").is_ok());
        assert!(StoreUrl::parse("file:///var/cache").is_ok());
    }

    #[test]
    fn non_ascii_hosts_ask_for_punycode() {
        let err = StoreUrl::parse("https://bücher.example/cache").expect_err("refused");
        assert_eq!(err, UrlError::NonAsciiHost("https://bücher.example/cache".to_owned()));
        assert!(err.to_string().contains("punycode"), "{err}");
        // The punycode form, and non-ASCII text outside the host, are fine.
        assert!(StoreUrl::parse("https://xn--bcher-kva.example/cache").is_ok());
        assert!(StoreUrl::parse("https://cache.example/bücher").is_ok());
    }

    #[test]
    fn host_classes() {
        let c = |s: &str| StoreUrl::parse(s).expect("ok");
        assert!(c("http://magnolia:5000").is_tailnet());
        assert!(c("http://box.tail1234.ts.net").is_tailnet());
        assert!(c("http://192.168.1.50:5000").is_lan());
        assert!(c("http://127.0.0.1:8080").is_loopback());
        assert!(!c("http://cache.example.org").is_private_host());
        for h in ["http://nix-cache.home.arpa", "http://wolf.shack:3142", "http://builder.lan", "http://localhost:9180"]
        {
            assert!(c(h).is_private_host(), "{h}");
        }
        for h in ["http://cache.nixos.org", "http://attic.example.de", "http://cache.flox.dev", "http://1.2.3.4"] {
            assert!(!c(h).is_private_host(), "{h}");
        }
    }
}
