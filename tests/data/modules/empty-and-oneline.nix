{
  nix.settings.substituters = [ ];
  nix.settings.trusted-public-keys = [];
}
