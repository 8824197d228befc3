# Evaluates a module file with real Nix and returns every cache list it sets, the way the
# module system would see them: mkIf bodies taken (conditions assumed true), mkMerge
# flattened, priority/order wrappers stripped, functions called with stub arguments;
# nix.conf lines of `extraOptions` and `….text` strings are read as lists too.
# nixpkgs is not available on the test machines, so `lib` is a minimal stand-in here.
{ file }:
let
  inherit (builtins) attrNames concatMap elem functionArgs isAttrs isFunction isList length elemAt;
  lib = rec {
    mkIf = cond: content: { _type = "if"; inherit content; };
    mkMerge = contents: { _type = "merge"; inherit contents; };
    mkOverride = _: content: { _type = "override"; inherit content; };
    mkOrder = _: content: { _type = "order"; inherit content; };
    mkDefault = mkOverride 1000;
    mkForce = mkOverride 50;
    mkOptionDefault = mkOverride 1500;
    mkBefore = mkOrder 500;
    mkAfter = mkOrder 1500;
    optional = cond: x: if cond then [ x ] else [ ];
    optionals = cond: xs: if cond then xs else [ ];
    mkEnableOption = _: { _type = "option"; };
    mkOption = _: { _type = "option"; };
    types = { };
    catAttrs = builtins.catAttrs;
    attrValues = builtins.attrValues;
    concatStringsSep = builtins.concatStringsSep;
    foldl' = builtins.foldl';
  };
  anything = { enable = true; };
  stubs = {
    inherit lib;
    config = { services.tailscale.enable = true; my.caches.enable = true; networking.hostName = "x"; };
    pkgs = { nix = "nix"; };
    inputs = { };
    self = { };
    nixpkgs = { };
    modulesPath = "/modules";
    options = { };
    cfg = anything;
    cond = true;
    host = "host";
  };
  call = f: f (builtins.intersectAttrs (functionArgs f) stubs // builtins.listToAttrs (map (n: { name = n; value = stubs.${n} or anything; }) (attrNames (functionArgs f))));
  lists = [ "substituters" "trusted-public-keys" "extra-substituters" "extra-trusted-public-keys" "trusted-substituters" ];
  legacy = [ "binaryCaches" "binaryCachePublicKeys" "trustedBinaryCaches" ];
  n = p: length p;
  at = p: i: if n p >= i then elemAt p (n p - i) else null;
  kind = p:
    if at p 3 == "nix" && at p 2 == "settings" && elem (at p 1) lists then at p 1
    else if at p 2 == "nix" && elem (at p 1) legacy then at p 1
    else if at p 2 == "nixConfig" && elem (at p 1) lists then at p 1
    # The shapes of issue #11: Determinate's customSettings, a settings set returned by a
    # function (`mkNixConfig = …: { settings = { … }; }`), a vars file's top-level set.
    else if at p 3 == "determinateNix" && at p 2 == "customSettings" && elem (at p 1) lists then at p 1
    else if at p 2 == "settings" && at p 3 != "nix" && elem (at p 1) lists then at p 1
    else if n p == 1 && elem (at p 1) (lists ++ legacy) then at p 1
    else null;
  # nix.conf lines in `nix.extraOptions` or a `….text`: `key = word word …`.
  words = s: builtins.filter (w: builtins.isString w && w != "") (builtins.split "[[:space:]]+" s);
  confLists = text: concatMap (l:
    let m = builtins.match "[[:space:]]*([a-z-]+)[[:space:]]*=([^#]*).*" l; in
    if m == null || !(elem (elemAt m 0) lists) then [ ] else [ { name = elemAt m 0; value = words (elemAt m 1); } ])
    (builtins.filter builtins.isString (builtins.split "\n" text));
  isText = p: at p 1 == "extraOptions" || at p 1 == "text";
  strip = v: if isAttrs v && v ? _type && v._type != "option" && v ? content then strip v.content else v;
  collect = path: v0:
    let v = if isFunction v0 then call v0 else v0; in
    if kind path != null then [ { name = kind path; value = map strip (strip v); } ]
    else if isText path && builtins.isString (strip v) then confLists (strip v)
    else if isAttrs v && v ? _type then
      (if v._type == "merge" then concatMap (collect path) v.contents
       else if v ? content then collect path v.content
       else [ ])
    else if isAttrs v then concatMap (a: collect (path ++ [ a ]) v.${a}) (attrNames v)
    else [ ];
  found = collect [ ] (import file);
  names = lists ++ legacy;
in
builtins.listToAttrs (map (name: {
  inherit name;
  value = concatMap (x: if x.name == name then x.value else [ ]) found;
}) names)
