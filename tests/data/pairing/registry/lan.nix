# A LAN address pairs only through the registry (cachectl.toml names it as a route of lilas).
{
  nix.settings = {
    substituters = [ "http://192.168.7.20:5000" ];
    trusted-public-keys = [ "lilas.cache:PEWyejU0NrcvH8kvCN9liHKbhC8WPzY/2ZXoZMCe5eA=" ];
    connect-timeout = 5;
    fallback = true;
  };
}
