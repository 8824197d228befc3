{ ... }:
{
	nix.settings = {
		substituters = [ "https://cache.nixos.org" "https://cache.nixos.org/" "http://magnolia:5000" ];
		trusted-public-keys = [ "magnolia.cache:7MVdzDOzQsVItEh+ewmU4Ga8TOke40asmXY1p9nQhC0=" ];
	};
}
