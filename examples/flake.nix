# Les machines de la maison : deux NixOS et un profil home-manager.
{
  description = "Les machines de la maison";

  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
    home-manager.url = "github:nix-community/home-manager";
    home-manager.inputs.nixpkgs.follows = "nixpkgs";
  };

  outputs = { self, nixpkgs, home-manager, ... }:
    let
      # Chaque machine a son fichier dans hosts/ ; base.nix est importé par chacun.
      mkHost = name: nixpkgs.lib.nixosSystem {
        system = "x86_64-linux";
        modules = [ ./hosts/${name}.nix ];
      };
    in
    {
      nixosConfigurations = {
        mimosa = mkHost "mimosa"; # portable, sur Tailscale
        lilas = mkHost "lilas"; # fixe, sans Tailscale
      };

      homeConfigurations.camille = home-manager.lib.homeManagerConfiguration {
        pkgs = nixpkgs.legacyPackages.x86_64-linux;
        modules = [ ./home/camille.nix ];
      };
    };
}
