# Shared hosting: every subdomain of cachix.org is someone else's cache.
{
  nix.settings.substituters = [ "https://personne.cachix.org" ];
  nix.settings.trusted-public-keys = [ "lilas.cachix.org-1:HF+M5tyGKQ6oG86llpCvoXAGvwlZoDDdblnM0z3afBQ=" ];
}
