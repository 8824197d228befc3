{ ... }:
{
  nix.settings = {
    substituters = [ "https://cache.example.org" ];
    trusted-public-keys = [
      "cache.example.org-1:AAAA" # truncated when pasted
    ];
  };
}
