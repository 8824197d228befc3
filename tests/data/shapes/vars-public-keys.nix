# eval: { substituters = m.substituters; trusted-public-keys = m.publicKeys; }
# One list of caches for flake.nix (nixConfig) and the hosts (nix.settings).
{
  substituters = [
    "https://cache.nixos.org"
    "https://nix-community.cachix.org"
  ];

  publicKeys = [
    "nix-community.cachix.org-1:mB9FSh9qf2dCimDSUo8Zy7bkq5CX+/rkCWyvRCYg3Fs="
  ];
}
