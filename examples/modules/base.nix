# Module de base, importé par toutes les machines.
{ config, lib, pkgs, ... }:

{
  # Réglages de Nix : parallélisme et caches binaires.
  nix.settings = {
    # Nombre de dérivations construites en parallèle.
    max-jobs = 4;
    # Cœurs par dérivation (0 = tous).
    cores = 2;
    experimental-features = [ "nix-command" "flakes" ];

    # Caches binaires : pour l'instant, seulement le cache officiel.
    substituters = [
      "https://cache.nixos.org/" # le cache officiel
    ];
    trusted-public-keys = [
      "cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY="
    ];
  };

  # Nettoyage automatique du store.
  nix.gc = {
    automatic = true;
    dates = "weekly";
    options = "--delete-older-than 14d";
  };

  time.timeZone = "Europe/Paris";
  i18n.defaultLocale = "fr_FR.UTF-8";
}
