# A flake: outputs with inputs@ and a nixConfig.
{
  description = "parity seed";
  nixConfig = {
    extra-substituters = [ "https://cache.example.org" ];
    extra-trusted-public-keys = [ "cache.example.org-1:AAAA" ];
  };
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
  outputs = { self, nixpkgs, ... }@inputs: {
    nixosConfigurations.host = nixpkgs.lib.nixosSystem {
      system = "x86_64-linux";
      specialArgs = { inherit inputs; };
      modules = [ ./configuration.nix ({ pkgs, ... }: { nix.package = pkgs.nixVersions.latest; }) ];
    };
  };
}
