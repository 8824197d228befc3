# eval: (call m).determinateNix.customSettings
{ ... }:
{
  nix.enable = false;
  determinateNix = {
    enable = true;
    customSettings = {
      eval-cores = 0;
      extra-substituters = [
        "https://nix-community.cachix.org"
      ];
      extra-trusted-public-keys = [
        "nix-community.cachix.org-1:mB9FSh9qf2dCimDSUo8Zy7bkq5CX+/rkCWyvRCYg3Fs="
      ];
    };
  };
}
