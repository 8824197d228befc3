# mimosa imports base.nix, so its copy of nix-community is a duplicate.
{
  imports = [ ../modules/base.nix ];
  nix.settings.substituters = [
    "https://nix-community.cachix.org" # also in base.nix
    "http://magnolia:5000"
  ];
  nix.settings.trusted-public-keys = [ "magnolia.cache:7MVdzDOzQsVItEh+ewmU4Ga8TOke40asmXY1p9nQhC0=" ];
}
