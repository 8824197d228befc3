{ ... }:
{
  deploy.nodes.web = {
    hostname = "web";
    substituters = [ "https://cache.example.org" ];
  };
}
