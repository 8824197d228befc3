# The cache was commented out; its key stayed.
{
  nix.settings = {
    substituters = [
      "https://cache.nixos.org"
      # "https://tilleul.cachix.org"
    ];
    trusted-public-keys = [ "tilleul.cachix.org-1:nIV4mMZUBnIePUu0GOeOtiHcsQA5jiqElbPtTrebULs=" ];
  };
}
