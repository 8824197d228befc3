//! The order in which Nix tries substituters, and store paths of this machine to probe with.

use std::path::Path;

use super::check::{CacheReport, NIX_STORE};
use crate::narinfo::store_path_hash;
use crate::store_url::StoreUrl;

/// The priority of a substituter that sets none, neither in `nix-cache-info` nor as a
/// `?priority=` URL parameter: `StoreConfig::priority` defaults to 0 in NixOS/nix.
pub const DEFAULT_PRIORITY: i32 = 0;

impl CacheReport {
    /// The priority Nix uses: a `?priority=` URL parameter, else `Priority` from
    /// `nix-cache-info`, else [`DEFAULT_PRIORITY`].
    pub fn effective_priority(&self) -> i32 {
        let param = StoreUrl::parse(&self.url)
            .ok()
            .and_then(|u| u.params)
            .and_then(|p| p.split('&').find_map(|kv| kv.strip_prefix("priority=").and_then(|v| v.parse().ok())));
        param.or(self.priority).unwrap_or(DEFAULT_PRIORITY)
    }
}

/// Indices of `reports` in the order Nix tries the caches: by effective priority, lower
/// first, ties in list order (Nix sorts its substituter list stably).
pub fn effective_order(reports: &[CacheReport]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..reports.len()).collect();
    order.sort_by_key(|&i| reports.get(i).map_or(DEFAULT_PRIORITY, CacheReport::effective_priority));
    order
}

/// Up to `n` store paths of this machine's `/nix/store` to use as probes.
pub fn local_probes(n: usize) -> Vec<String> {
    probes_in(Path::new(NIX_STORE), n)
}

/// Up to `n` non-derivation store paths found in `store_dir`, sorted for repeatability.
pub fn probes_in(store_dir: &Path, n: usize) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(store_dir) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|name| !name.ends_with(".drv") && !name.ends_with(".lock"))
        .map(|name| format!("{}/{name}", store_dir.display()))
        .filter(|path| store_path_hash(path).is_some())
        .collect();
    names.sort();
    names.truncate(n);
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(url: &str, priority: Option<i32>) -> CacheReport {
        CacheReport { priority, ..CacheReport::new(url) }
    }

    #[test]
    fn order_is_by_priority_then_list_order() {
        let reports = [
            report("https://cache.nixos.org", Some(40)),
            report("http://magnolia:5000", Some(30)),
            report("https://x.cachix.org?priority=10", Some(41)),
            report("file:///srv/cache", None),
            report("https://y.example", Some(40)),
        ];
        assert_eq!(effective_order(&reports), [3, 2, 1, 0, 4]);
    }

    #[test]
    fn probes_skip_derivations_and_junk() {
        let dir = tempfile::tempdir().expect("tempdir");
        for name in [
            "mjs27ix6ig2bkbi3s3sm470vrv4lf7ic-hello",
            "76w21n1f03fs5kw8fnffphx7qrqffw6r-hello.drv",
            ".links",
            "00000000000000000000000000000000-a",
        ] {
            std::fs::create_dir(dir.path().join(name)).expect("mkdir");
        }
        let probes = probes_in(dir.path(), 5);
        let names: Vec<&str> = probes.iter().filter_map(|p| p.rsplit('/').next()).collect();
        assert_eq!(names, ["00000000000000000000000000000000-a", "mjs27ix6ig2bkbi3s3sm470vrv4lf7ic-hello"]);
        assert_eq!(probes_in(dir.path(), 1).len(), 1);
        assert!(probes_in(&dir.path().join("none"), 3).is_empty());
    }
}
