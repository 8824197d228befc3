# Evaluates one fixture of tests/data/shapes/ with real Nix and returns the cache lists it
# sets, read the way the code that consumes it reads them. The fixture's first line,
# `# eval: EXPR`, says how; the test writes EXPR into `reader` as
# `{ m, call, conf, lib }: EXPR`, where `m` is the imported file, `call` calls a module
# function with stub arguments, `conf` parses nix.conf text into lists, and `lib` is a
# minimal stand-in for nixpkgs' lib (not available on the test machines).
{ file, reader }:
let
  inherit (builtins) concatMap elemAt filter functionArgs isFunction isString listToAttrs mapAttrs match split;
  lib = {
    inherit (builtins) concatStringsSep foldl' attrValues;
    optional = cond: x: if cond then [ x ] else [ ];
  };
  stubs = { inherit lib; pkgs = { }; config = { }; };
  call = f: if isFunction f then f (mapAttrs (n: _: stubs.${n} or { }) (functionArgs f)) else f;
  words = s: filter (w: isString w && w != "") (split "[[:space:]]+" s);
  conf = text:
    let
      parse = l:
        let m = match "[[:space:]]*([a-z-]+)[[:space:]]*=(.*)" l;
        in if m == null then [ ] else [ { name = elemAt m 0; value = words (elemAt m 1); } ];
    in listToAttrs (concatMap parse (filter isString (split "\n" text)));
  got = import reader { m = import file; inherit call conf lib; };
  names = [ "substituters" "trusted-public-keys" "extra-substituters" "extra-trusted-public-keys" "trusted-substituters" ];
in
listToAttrs (map (name: { inherit name; value = got.${name} or [ ]; }) names)
