{ ... }:
{
  nix.settings = {
    substituters = [ "https://nix-community.cachix.org" ];
    # One character differs from the published key (Fs= → Fz=).
    trusted-public-keys = [ "nix-community.cachix.org-1:mB9FSh9qf2dCimDSUo8Zy7bkq5CX+/rkCWyvRCYg3Fz=" ];
  };
}
