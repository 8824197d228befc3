{ ... }:
{
  nix.settings = {
    substituters = [ "http://cache.example.org" ];
    trusted-public-keys = [ "cache.example.org-1:a7pgxzMz7+chwVL3/pzj6jIBMioiJM7ypFP8PwtkuGc=" ];
  };
}
