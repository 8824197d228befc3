//! Host discovery for each flake shape, on in-memory trees.

use std::collections::HashMap;

use super::*;

const BASE: &str = "{ nix.settings.substituters = [ \"https://cache.nixos.org\" ];\n  nix.settings.trusted-public-keys = [ \"magnolia.cache:7MVdzDOzQsVItEh+ewmU4Ga8TOke40asmXY1p9nQhC0=\" ]; }";
const MIMOSA: &str = "{ imports = [ ../../modules/base.nix ./hardware.nix ];\n  nix.settings.substituters = [ \"http://magnolia:5000\" ]; }";

fn tree(flake: &str, extra: &[(&str, &str)]) -> Vec<Host> {
    let mut files: HashMap<String, String> = [
        ("modules/base.nix", BASE),
        ("hosts/mimosa/default.nix", MIMOSA),
        ("hosts/mimosa/hardware.nix", "{ boot.loader.grub.enable = true; }"),
        ("hosts/lilas/default.nix", "{ imports = [ ../../modules/base.nix ]; }"),
        ("home/me.nix", "{ nix.settings.substituters = [ \"https://nix-community.cachix.org\" ]; }"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    files.extend(extra.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
    let read = |p: &str| files.get(p).cloned();
    hosts("flake.nix", flake, &read, &Registry::builtin())
}

/// `name kind: files | caches | unresolved` per host, for compact assertions.
fn summary(hosts: &[Host]) -> Vec<String> {
    hosts
        .iter()
        .map(|h| {
            let mut files = h.files.clone();
            files.sort();
            let caches: Vec<String> = h.caches.iter().map(|c| format!("{}@{}:{}", c.url, c.file, c.line)).collect();
            let un: Vec<String> = h.unresolved.iter().map(|u| format!("{}:{} {}", u.file, u.line, u.reason)).collect();
            format!("{} {:?}: {} | {} | {}", h.name, h.kind, files.join(" "), caches.join(" "), un.join("; "))
        })
        .collect()
}

#[test]
fn plain_nixos_darwin_and_home_configurations() {
    let flake = r#"{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs";
  outputs = { self, nixpkgs, darwin, home-manager, ... }@inputs: {
    nixosConfigurations.mimosa = nixpkgs.lib.nixosSystem {
      specialArgs = { inherit inputs; };
      modules = [ ./hosts/mimosa inputs.sops.nixosModules.sops { networking.hostName = "mimosa"; } ];
    };
    nixosConfigurations.lilas = nixpkgs.lib.nixosSystem { modules = [ ./hosts/lilas ]; };
    darwinConfigurations = {
      tilleul = darwin.lib.darwinSystem { modules = [ ./modules/base.nix ]; };
    };
    homeConfigurations."me@mimosa" = home-manager.lib.homeManagerConfiguration { modules = [ ./home/me.nix ]; };
  };
}"#;
    expect_test::expect![[r#"
        [
            "mimosa Nixos: flake.nix hosts/mimosa/default.nix hosts/mimosa/hardware.nix modules/base.nix | http://magnolia:5000@hosts/mimosa/default.nix:2 https://cache.nixos.org@modules/base.nix:1 | flake.nix:6 `inputs.sops.nixosModules.sops` is a module of another flake or attribute",
            "lilas Nixos: hosts/lilas/default.nix modules/base.nix | https://cache.nixos.org@modules/base.nix:1 | ",
            "tilleul Darwin: modules/base.nix | https://cache.nixos.org@modules/base.nix:1 | ",
            "me@mimosa Home: home/me.nix | https://nix-community.cachix.org@home/me.nix:1 | ",
        ]
    "#]]
    .assert_debug_eq(&summary(&tree(flake, &[])));
}

#[test]
fn let_bound_helper_with_interpolated_paths() {
    let flake = r#"{
  outputs = { nixpkgs, ... }:
    let
      common = [ ./modules/base.nix ];
      mkHost = name: nixpkgs.lib.nixosSystem { modules = common ++ [ ./hosts/${name} ]; };
      mkUser = { user, host }: nixpkgs.lib.nixosSystem { modules = [ "./hosts/${host}" ./home/${user}.nix ]; };
    in {
      nixosConfigurations = {
        mimosa = mkHost "mimosa";
        lilas = mkUser { user = "me"; host = "lilas"; };
      };
    };
}"#;
    let hosts = tree(flake, &[]);
    let s = summary(&hosts);
    assert!(
        s[0].starts_with("mimosa Nixos: hosts/mimosa/default.nix hosts/mimosa/hardware.nix modules/base.nix |"),
        "{s:?}"
    );
    assert!(s[0].ends_with("| "), "nothing unresolved: {s:?}");
    // A string is not a path: it is reported, the path beside it is followed.
    assert!(s[1].contains("home/me.nix") && s[1].contains("computed module"), "{s:?}");
}

#[test]
fn gen_attrs_and_map_attrs_over_literal_names() {
    let flake = r#"{
  outputs = { nixpkgs, ... }:
    let
      hosts = [ "mimosa" "lilas" ];
      mk = name: nixpkgs.lib.nixosSystem { modules = [ ./hosts/${name} ]; };
    in {
      nixosConfigurations = { } // nixpkgs.lib.genAttrs hosts mk;
      darwinConfigurations = builtins.mapAttrs (name: cfg: nixpkgs.lib.darwinSystem { modules = [ ./hosts/${cfg.dir} ]; }) {
        tilleul = { dir = "lilas"; };
      };
    };
}"#;
    let s = summary(&tree(flake, &[]));
    assert_eq!(s.len(), 3, "{s:?}");
    assert!(s[0].starts_with("mimosa Nixos: hosts/mimosa/default.nix"), "{s:?}");
    assert!(s[1].starts_with("lilas Nixos: hosts/lilas/default.nix modules/base.nix"), "{s:?}");
    assert!(s[2].starts_with("tilleul Darwin: hosts/lilas/default.nix modules/base.nix"), "{s:?}");
}

#[test]
fn flake_parts_and_own_modules() {
    let flake = r#"{
  outputs = inputs: inputs.flake-parts.lib.mkFlake { inherit inputs; } {
    flake = {
      nixosModules.base = ./modules/base.nix;
      nixosConfigurations.lilas = inputs.nixpkgs.lib.nixosSystem { modules = [ inputs.self.nixosModules.base ]; };
    };
    flake.nixosConfigurations.mimosa = inputs.nixpkgs.lib.nixosSystem {
      modules = [ self.nixosModules.base ] ++ inputs.nixpkgs.lib.optional true ./hosts/mimosa;
    };
  };
}"#;
    let s = summary(&tree(flake, &[]));
    assert_eq!(s.len(), 2, "{s:?}");
    assert!(s[0].starts_with("lilas Nixos: modules/base.nix |"), "{s:?}");
    assert!(
        s[1].starts_with("mimosa Nixos: hosts/mimosa/default.nix hosts/mimosa/hardware.nix modules/base.nix |"),
        "{s:?}"
    );
}

#[test]
fn what_cannot_be_followed_is_listed_never_dropped() {
    let flake = r#"{
  outputs = { nixpkgs, ... }: {
    nixosConfigurations = builtins.listToAttrs (map (h: { name = h; value = h; }) [ "a" ]);
    darwinConfigurations.x = mkDarwin "x";
    homeConfigurations.y = home.lib.homeManagerConfiguration { modules = [ ./missing.nix ./home/${user}.nix ]; };
  };
}"#;
    let hosts = tree(flake, &[("hosts/z.nix", "{ imports = [ <nixpkgs/nixos/modules/x.nix> ./${x}.nix ]; }")]);
    let s = summary(&hosts);
    assert_eq!(s.len(), 3, "{s:?}");
    assert!(s[0].contains("`nixosConfigurations` is computed"), "{s:?}");
    assert!(s[1].contains("`mkDarwin` is not a helper defined in this file"), "{s:?}");
    assert!(s[2].contains("`missing.nix` does not exist") && s[2].contains("computed path"), "{s:?}");
}

#[test]
fn keys_pair_within_a_host_only() {
    let flake = r#"{ outputs = { nixpkgs, ... }: {
  nixosConfigurations.mimosa = nixpkgs.lib.nixosSystem { modules = [ ./hosts/mimosa ]; };
  nixosConfigurations.solo = nixpkgs.lib.nixosSystem { modules = [ ./solo.nix ]; };
}; }"#;
    let hosts = tree(flake, &[("solo.nix", "{ nix.settings.substituters = [ \"http://magnolia:5000\" ]; }")]);
    let key = |h: &Host| h.caches.iter().find(|c| c.url == "http://magnolia:5000").and_then(|c| c.key.clone());
    assert_eq!(key(&hosts[0]).as_deref(), Some("magnolia.cache"), "mimosa trusts it via base.nix");
    assert_eq!(key(&hosts[1]), None, "solo lists no key: base.nix's key is not its own");
}

#[test]
fn partial_helpers_with_system_and_modules_passed_as_arguments() {
    let flake = r#"{
  outputs = { nixpkgs, jovian, ... }@inputs:
    let
      configWith = pkgs: role: name: extra: pkgs.lib.nixosSystem {
        modules = [ ./hosts/${name} extra ];
      };
      config = configWith nixpkgs;
    in {
      nixosConfigurations.mimosa = config "laptop" "mimosa" { imports = [ ./home/me.nix ]; };
      nixosConfigurations.lilas = configWith jovian "desk" "lilas" { };
    };
}"#;
    let s = summary(&tree(flake, &[]));
    assert!(s[0].starts_with("mimosa Nixos: flake.nix home/me.nix hosts/mimosa/default.nix"), "{s:?}");
    assert!(s[0].ends_with("| "), "{s:?}");
    assert!(s[1].starts_with("lilas Nixos: flake.nix hosts/lilas/default.nix modules/base.nix |"), "{s:?}");
    let parts = r#"{ inputs, withSystem, ... }: {
  flake.nixosConfigurations.mimosa = withSystem "x86_64-linux" ({ pkgs, ... }: inputs.nixpkgs.lib.nixosSystem { modules = [ ../hosts/mimosa ]; });
}"#;
    let files: HashMap<String, String> =
        [("hosts/mimosa/default.nix", "{ }")].into_iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect();
    let read = |p: &str| files.get(p).cloned();
    let hosts =
        hosts_in(&[("flake.nix", "{ outputs = _: { }; }"), ("parts/hosts.nix", parts)], &read, &Registry::builtin());
    assert_eq!(hosts.len(), 1);
    assert_eq!(hosts[0].files, ["hosts/mimosa/default.nix"], "paths are relative to the declaring file");
}
