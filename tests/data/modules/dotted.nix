{
  nix.settings.substituters = [ "https://nix-community.cachix.org" ]; # community
  nix.settings.trusted-public-keys = [ "nix-community.cachix.org-1:mB9FSh9qf2dCimDSUo8Zy7bkq5CX+/rkCWyvRCYg3Fs=" ];
  nix.settings.trusted-users = [ "root" "@wheel" ];
}
