//! Registrable domains without the public-suffix list: a small, conservative rule.
//!
//! The registrable domain of a host is the part one owner controls: `numtide.com` for
//! `cache.numtide.com` and `niks3.numtide.com`. The full public-suffix list is a large,
//! changing data file; cachectl needs it for one thing only, to decide whether a key named
//! after one host may sign a cache on a sibling host. So the rule here is small:
//!
//! - the last two labels (`numtide.com`);
//! - the last three under a two-level country suffix: a two-letter top-level domain whose
//!   second label is one of the generic ones (`co.uk`, `com.au`, `edu.cn`, `ac.jp`, …);
//! - no registrable domain at all (so no sibling pairing) for IP addresses, bare names, and
//!   hosts under a shared-hosting suffix ([`SHARED`]), where every subdomain belongs to
//!   someone else (`nobody.cachix.org` is not `hyprland.cachix.org`);
//! - a Tailscale tailnet (`*.tailNNNN.ts.net`) is one owner: its domain is `tailNNNN.ts.net`.
//!
//! Where this rule is wrong it errs towards a *shorter* domain (two labels where the real
//! suffix has three), which pairs more keys with more caches: cachectl then stays quiet
//! rather than warning falsely. Shared hosting that is missing from [`SHARED`] errs the
//! same way.

/// Suffixes under which each subdomain is a different customer's site, bucket or cache.
/// A host equal to or under one of them never pairs with a sibling.
pub const SHARED: &[&str] = &[
    // Nix caches as a service: each subdomain is one user's cache.
    "cachix.org",
    "garnix.me",
    // Static pages and app platforms.
    "github.io",
    "gitlab.io",
    "codeberg.page",
    "srht.site",
    "pages.dev",
    "workers.dev",
    "netlify.app",
    "vercel.app",
    "herokuapp.com",
    "fly.dev",
    "onrender.com",
    "railway.app",
    "deno.dev",
    "appspot.com",
    "azurewebsites.net",
    // Object stores and CDNs that binary caches are served from.
    "amazonaws.com",
    "cloudfront.net",
    "r2.dev",
    "r2.cloudflarestorage.com",
    "backblazeb2.com",
    "digitaloceanspaces.com",
    "linodeobjects.com",
    "wasabisys.com",
    "googleapis.com",
    "windows.net",
    "azureedge.net",
    "fastly.net",
    "b-cdn.net",
    // Tunnels and dynamic DNS.
    "trycloudflare.com",
    "ngrok.io",
    "ngrok.app",
    "ngrok-free.app",
    "duckdns.org",
    "dyndns.org",
    "no-ip.org",
    "ddns.net",
];

/// Second-level labels that make a two-letter country domain a two-level public suffix.
const GENERIC_SECOND_LEVEL: &[&str] = &[
    "ac", "co", "com", "edu", "gov", "net", "org", "mil", "ne", "or", "go", "gob", "gv", "nom", "sch", "ltd", "plc",
    "me", "info", "biz", "gen", "res", "web", "ind", "firm", "nic", "int", "ed", "lg", "id",
];

/// True when `host` is, or is under, a shared-hosting suffix.
pub fn is_shared(host: &str) -> bool {
    SHARED.iter().any(|s| under(host, s))
}

/// `host` equals `suffix` or ends with `.suffix`.
pub fn under(host: &str, suffix: &str) -> bool {
    host == suffix || host.strip_suffix(suffix).is_some_and(|h| h.ends_with('.'))
}

/// True for a syntactically plausible DNS name with at least two labels (not an address).
pub fn is_dns_name(host: &str) -> bool {
    let labels: Vec<&str> = host.split('.').collect();
    labels.len() >= 2
        && labels
            .iter()
            .all(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
        && labels.last().is_some_and(|tld| tld.bytes().any(|b| b.is_ascii_alphabetic()))
}

/// The registrable domain of a lowercase host name, or `None` when siblings of this host
/// must not pair (an address, a bare name, shared hosting).
pub fn registrable(host: &str) -> Option<&str> {
    if !is_dns_name(host) || is_shared(host) {
        return None;
    }
    let labels: Vec<&str> = host.split('.').collect();
    let n = labels.len();
    let country_suffix = labels[n - 1].len() == 2 && GENERIC_SECOND_LEVEL.contains(&labels[n - 2]);
    let keep = if under(host, "ts.net") || country_suffix { 3 } else { 2 };
    if n < keep {
        return None;
    }
    let start: usize = labels[..n - keep].iter().map(|l| l.len() + 1).sum();
    host.get(start..)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_labels_by_default_three_under_country_suffixes() {
        assert_eq!(registrable("cache.numtide.com"), Some("numtide.com"));
        assert_eq!(registrable("niks3.numtide.com"), Some("numtide.com"));
        assert_eq!(registrable("numtide.com"), Some("numtide.com"));
        assert_eq!(registrable("a.b.example.co.uk"), Some("example.co.uk"));
        assert_eq!(registrable("mirrors.tuna.tsinghua.edu.cn"), Some("tsinghua.edu.cn"));
        assert_eq!(registrable("nix.example.com.au"), Some("example.com.au"));
        // `.io` and `.de` are single-level: `co.io` is nobody's suffix in this rule.
        assert_eq!(registrable("cache.thalheim.io"), Some("thalheim.io"));
        assert_eq!(registrable("co.uk"), None);
    }

    #[test]
    fn shared_hosting_addresses_and_bare_names_have_none() {
        for host in [
            "nobody.cachix.org",
            "cachix.org",
            "me.github.io",
            "bucket.s3.eu-west-1.amazonaws.com",
            "pub-123.r2.dev",
            "f000.backblazeb2.com",
            "x.trycloudflare.com",
            "magnolia",
            "192.168.1.50",
            "[::1]",
            "",
        ] {
            assert_eq!(registrable(host), None, "{host}");
        }
    }

    #[test]
    fn a_tailnet_is_one_owner() {
        assert_eq!(registrable("magnolia.tail1234.ts.net"), Some("tail1234.ts.net"));
        assert_ne!(registrable("a.tail1111.ts.net"), registrable("b.tail2222.ts.net"));
    }

    #[test]
    fn suffix_matching_is_by_whole_labels() {
        assert!(under("x.cachix.org", "cachix.org"));
        assert!(!under("notcachix.org", "cachix.org"));
        assert!(!is_shared("mycachix.org"));
        assert_eq!(registrable("cache.mycachix.org"), Some("mycachix.org"));
    }
}
