//! One test per convention, each with the cases it must pair and the ones it must not.

use super::*;

fn c(url: &str, key: &str) -> Option<Convention> {
    convention(url, key)
}

fn check(f: fn(&Target, &KeyName) -> Option<Convention>, url: &str, key: &str) -> bool {
    f(&Target::parse(url).expect("parses"), &KeyName::new(key)).is_some()
}

#[test]
fn serials_are_stripped_only_when_numeric() {
    assert_eq!(strip_serial("cache.flakehub.com-10"), "cache.flakehub.com");
    assert_eq!(strip_serial("test-1"), "test");
    assert_eq!(strip_serial("magnolia.cache"), "magnolia.cache");
    assert_eq!(strip_serial("nix-community"), "nix-community");
    assert_eq!(strip_serial("-1"), "-1");
}

#[test]
fn cachix_pairs_a_cache_with_its_own_key_only() {
    assert_eq!(c("https://hyprland.cachix.org", "hyprland.cachix.org-1"), Some(Convention::Cachix));
    assert_eq!(c("https://Hyprland.cachix.org/", "hyprland.cachix.org-2"), Some(Convention::Cachix));
    assert!(!check(cachix, "https://nobody.cachix.org", "hyprland.cachix.org-1"));
    // The shared-hosting exception: no other convention may pair them either.
    assert_eq!(c("https://nobody.cachix.org", "hyprland.cachix.org-1"), None);
    assert_eq!(c("https://hyprland.cachix.org", "nix-community.cachix.org-1"), None);
    assert_eq!(c("https://cachix.org", "cachix.org-1"), Some(Convention::Host));
}

#[test]
fn host_names_with_and_without_serials() {
    assert_eq!(c("https://cache.garnix.io", "cache.garnix.io"), Some(Convention::Host));
    assert_eq!(c("https://cache.nixos.org/", "cache.nixos.org-1"), Some(Convention::Host));
    for n in 3..=10 {
        assert_eq!(c("https://cache.flakehub.com", &format!("cache.flakehub.com-{n}")), Some(Convention::Host));
    }
    assert_eq!(c("s3://nix-cache?region=eu-west-1", "nix-cache-1"), Some(Convention::Host));
    assert_eq!(c("s3://bucket?endpoint=minio.example.com", "minio.example.com-1"), Some(Convention::Host));
    assert!(!check(host, "https://cache.garnix.io", "cache.garnix.io.evil"));
    assert!(!check(host, "https://cache.flakehub.com", "cache.flakehub.com-x"));
    assert!(!check(host, "file:///var/cache", "cache-1"));
}

#[test]
fn attic_caches_pair_with_their_name() {
    assert_eq!(c("https://attic.example.com/oss", "oss"), Some(Convention::Attic));
    assert_eq!(c("https://attic.example.com/oss/", "oss"), Some(Convention::Attic));
    assert_eq!(c("https://example.com/attic/oss?priority=41", "oss"), Some(Convention::Attic));
    assert_eq!(c("http://build:8080/main", "main-1"), Some(Convention::Attic));
    assert_eq!(c("https://attic.svc.example.me/nix", "nix"), Some(Convention::Attic));
    assert!(!check(attic, "https://attic.example.com/oss", "ossx"));
    assert!(!check(attic, "https://attic.example.com", "attic"));
    assert!(!check(attic, "s3://bucket/oss", "oss"));
    assert_eq!(c("https://attic.example.com/oss", "main"), None);
}

#[test]
fn nix_serve_keys_are_named_after_the_machine() {
    assert_eq!(c("http://magnolia:5000", "magnolia.cache"), Some(Convention::FirstLabel));
    assert_eq!(c("http://magnolia:5000", "magnolia-1"), Some(Convention::Host));
    assert_eq!(c("https://magnolia.example.net", "magnolia-1"), Some(Convention::FirstLabel));
    assert_eq!(c("http://magnolia.tail1234.ts.net:5000", "magnolia"), Some(Convention::FirstLabel));
    assert_eq!(c("https://magnolia.local", "magnolia.tail1234.ts.net-1"), Some(Convention::FirstLabel));
    assert!(!check(first_label, "http://magnolia:5000", "magnoliax.cache"));
    assert!(!check(first_label, "http://192.168.1.50:5000", "192.cache"));
    assert_eq!(c("http://192.168.1.50:5000", "magnolia.cache"), None);
    assert_eq!(c("http://[fd00::1]:5000", "fd00.cache"), None);
    // `cache.a.org` and `cache.b.org` share only a generic word.
    assert_eq!(c("https://cache.example.org", "cache.other.org-1"), None);
    assert_eq!(c("http://nix:5000", "nix.cache"), None);
}

#[test]
fn hydra_key_is_legacy_for_cache_nixos_org_only() {
    assert_eq!(c("https://cache.nixos.org", "hydra.nixos.org-1"), Some(Convention::Legacy));
    assert_eq!(c("https://mirrors.ustc.edu.cn/nix-channels/store", "hydra.nixos.org-1"), Some(Convention::Legacy));
    assert!(!check(legacy, "https://nix-community.cachix.org", "hydra.nixos.org-1"));
    assert!(!check(legacy, "https://cache.nixos.org/extra", "hydra.nixos.org-1"));
}

#[test]
fn mirrors_of_cache_nixos_org_carry_its_key() {
    for url in [
        "https://mirrors.tuna.tsinghua.edu.cn/nix-channels/store",
        "https://mirror.sjtu.edu.cn/nix-channels/store/",
        "https://hetzner-cache.numtide.com",
        "https://aseipp-nix-cache.freetls.fastly.net",
    ] {
        assert_eq!(c(url, "cache.nixos.org-1"), Some(Convention::NixosMirror), "{url}");
    }
    assert!(!check(
        nixos_mirror,
        "https://mirrors.tuna.tsinghua.edu.cn/nix-channels/store",
        "nix-community.cachix.org-1"
    ));
    assert!(!check(nixos_mirror, "https://example.org/nix-channels", "cache.nixos.org-1"));
    assert!(!check(nixos_mirror, "s3://x/nix-channels/store", "cache.nixos.org-1"));
}

#[test]
fn siblings_of_one_registrable_domain_pair_except_on_shared_hosting() {
    assert_eq!(c("https://cache.numtide.com", "niks3.numtide.com-1"), Some(Convention::Sibling));
    assert_eq!(c("https://nix.a.example.co.uk", "cache.example.co.uk-1"), Some(Convention::Sibling));
    assert_eq!(c("https://a.tail1234.ts.net", "b.tail1234.ts.net-1"), Some(Convention::Sibling));
    assert_eq!(c("https://a.tail1111.ts.net", "b.tail2222.ts.net-1"), None);
    assert_eq!(c("https://cache.example.co.uk", "cache.other.co.uk-1"), None);
    assert_eq!(c("https://me.github.io/cache", "you.github.io-1"), None);
    assert_eq!(c("https://bucket.s3.amazonaws.com", "other.s3.amazonaws.com-1"), None);
    assert_eq!(c("https://pub-1.r2.dev", "pub-2.r2.dev"), None);
    assert_eq!(c("https://cache.numtide.com", "numtide.cachix.org-1"), None);
}

#[test]
fn a_key_named_after_the_domain_owner() {
    assert_eq!(c("https://nix.example.dev", "example-1"), Some(Convention::Owner));
    assert_eq!(c("https://cache.thalheim.io", "thalheim"), Some(Convention::Owner));
    assert!(!check(owner, "https://nobody.cachix.org", "cachix-1"));
    assert!(!check(owner, "https://cache.example.dev", "exampl-1"));
}

#[test]
fn unparsable_urls_and_local_stores_pair_with_nothing() {
    assert_eq!(c("not a url", "x"), None);
    assert_eq!(c("daemon", "daemon"), None);
    assert_eq!(c("https://cache.example.org", ""), None);
}

#[test]
fn public_caches_with_keys_of_another_name() {
    assert_eq!(c("https://install.determinate.systems/", "cache.flakehub.com-3"), Some(Convention::Published));
    assert_eq!(c("https://cache.iog.io", "hydra.iohk.io"), Some(Convention::Published));
    assert_eq!(c("https://cache.flox.dev", "flox-cache-public-1"), Some(Convention::Published));
    assert_eq!(c("https://s3.whq.fcio.net/hydra?priority=100", "flyingcircus.io-1"), Some(Convention::Published));
    assert_eq!(c("https://nyx.chaotic.cx/", "chaotic-nyx.cachix.org-1"), Some(Convention::Published));
    assert!(!check(published, "https://cache.iog.io", "cache.flakehub.com-3"));
    assert!(!check(published, "https://cache.flakehub.com", "flox-cache-public-1"));
}

#[test]
fn cachix_urls_and_keys_name_themselves() {
    assert!(self_named("https://hyprland.cachix.org"));
    assert!(self_named("nix-community.cachix.org-1"));
    assert!(!self_named("http://10.42.0.8:5000"));
    assert!(!self_named("vladof.example.com-1"));
    assert!(!self_named("rocky"));
}
