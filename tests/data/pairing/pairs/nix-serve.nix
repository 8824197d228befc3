# nix-serve / harmonia keys named after the machine: HOST.cache, HOST-1, HOST.
{
  nix.settings = {
    substituters = [
      "http://lilas:5000"
      "https://tilleul.tail4242.ts.net"
      "http://sureau.local:5000?priority=30"
    ];
    trusted-public-keys = [
      "lilas.cache:PEWyejU0NrcvH8kvCN9liHKbhC8WPzY/2ZXoZMCe5eA="
      "tilleul-1:uYVrVf5RGVbDH1+p9qk2I2GiSKW4EWva35ewYRyhD0c="
      "sureau.home.example.org:Wm8YHlJSD6Y0w85f6oNYkwRxTBxR9nVSb+oPrzOrJno="
    ];
    connect-timeout = 5;
    fallback = true;
  };
}
