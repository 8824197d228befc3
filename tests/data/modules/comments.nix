{
  nix.settings = {
    substituters = [
      # the official cache
      "https://cache.nixos.org" # always
      /* community */ "https://nix-community.cachix.org"
      # "http://old-cache:5000"
    ]; # end of caches
    trusted-public-keys = [ /* official */ "cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY=" "nix-community.cachix.org-1:mB9FSh9qf2dCimDSUo8Zy7bkq5CX+/rkCWyvRCYg3Fs=" ];
  };
}
