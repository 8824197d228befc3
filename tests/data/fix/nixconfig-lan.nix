# A flake whose nixConfig lists a LAN cache: the settings go into nixConfig.
{
  description = "lan cache";
  nixConfig = {
    extra-substituters = [ "http://192.168.1.50:5000" ];
    extra-trusted-public-keys = [ "magnolia.cache:7MVdzDOzQsVItEh+ewmU4Ga8TOke40asmXY1p9nQhC0=" ];
  };
  outputs = { self }: { };
}
