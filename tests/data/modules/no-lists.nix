{ pkgs, ... }:
{
  # Réglages de Nix
  nix.settings = {
    max-jobs = 4; # tâches
    cores = 2;
  };
}
