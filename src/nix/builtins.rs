//! The names Nix's parser finds in its global scope, for `undefined variable` checks.
//!
//! Origin: every name that a Nix 2.x release (2.0 … 2.35 and master, NixOS/nix, read from
//! `src/libexpr/**/*.cc`) registers with `addConstant`, `addPrimOp` or `RegisterPrimOp`
//! (`.name = "…"`). Names without `__` are global; the `__` names are what `builtins.x`
//! is also reachable as. Taking the union means a newer Nix's additions (`break`,
//! `__warn`, `fetchTree`, …) are never reported undefined, at the cost of missing a typo
//! that happens to be one of them on an older Nix. Some are only present with a setting
//! (`__exec` and `__importNative` with `allow-unsafe-native-code-during-evaluation`,
//! `__currentTime` outside pure evaluation); they count as defined. `__curPos` is not a
//! variable at all: the parser turns it into a position.

/// Sorted (byte order), so that lookups can use a binary search.
pub(crate) const GLOBALS: &[&str] = &[
    "__add",
    "__addDrvOutputDependencies",
    "__addErrorContext",
    "__all",
    "__any",
    "__appendContext",
    "__attrNames",
    "__attrValues",
    "__bitAnd",
    "__bitOr",
    "__bitXor",
    "__catAttrs",
    "__ceil",
    "__compareVersions",
    "__concatLists",
    "__concatMap",
    "__concatStringsSep",
    "__convertHash",
    "__currentSystem",
    "__currentTime",
    "__deepSeq",
    "__div",
    "__elem",
    "__elemAt",
    "__exec",
    "__fetchClosure",
    "__fetchurl",
    "__filter",
    "__filterSource",
    "__findFile",
    "__flakeRefToString",
    "__floor",
    "__foldl'",
    "__forceLazyFetcherAttr",
    "__fromJSON",
    "__functionArgs",
    "__genList",
    "__genericClosure",
    "__getAttr",
    "__getContext",
    "__getEnv",
    "__getFlake",
    "__groupBy",
    "__hasAttr",
    "__hasContext",
    "__hashFile",
    "__hashString",
    "__head",
    "__importNative",
    "__intersectAttrs",
    "__isAttrs",
    "__isBool",
    "__isFloat",
    "__isFunction",
    "__isInt",
    "__isList",
    "__isPath",
    "__isString",
    "__langVersion",
    "__length",
    "__lessThan",
    "__listToAttrs",
    "__mapAttrs",
    "__match",
    "__mul",
    "__nixPath",
    "__nixVersion",
    "__outputOf",
    "__parseDrvName",
    "__parseFlakeRef",
    "__partition",
    "__path",
    "__pathExists",
    "__readDir",
    "__readFile",
    "__readFileType",
    "__replaceStrings",
    "__seq",
    "__sort",
    "__split",
    "__splitVersion",
    "__storeDir",
    "__storePath",
    "__stringLength",
    "__sub",
    "__substring",
    "__tail",
    "__toFile",
    "__toJSON",
    "__toPath",
    "__toXML",
    "__trace",
    "__traceVerbose",
    "__tryEval",
    "__typeOf",
    "__unsafeDiscardOutputDependency",
    "__unsafeDiscardStringContext",
    "__unsafeGetAttrPos",
    "__valueSize",
    "__warn",
    "__zipAttrsWith",
    "abort",
    "baseNameOf",
    "break",
    "builtins",
    "derivation",
    "derivationStrict",
    "dirOf",
    "false",
    "fetchFinalTree",
    "fetchGit",
    "fetchMercurial",
    "fetchTarball",
    "fetchTree",
    "fromTOML",
    "import",
    "isNull",
    "map",
    "null",
    "placeholder",
    "removeAttrs",
    "scopedImport",
    "throw",
    "toString",
    "true",
];

/// Whether `name` is in Nix's global scope.
pub(crate) fn is_global(name: &str) -> bool {
    GLOBALS.binary_search(&name).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_and_complete_for_the_common_names() {
        assert!(GLOBALS.windows(2).all(|w| w[0] < w[1]), "GLOBALS must be sorted and unique");
        for n in ["true", "false", "null", "builtins", "import", "map", "toString", "throw", "abort", "derivation"] {
            assert!(is_global(n), "{n}");
        }
        for n in ["__sub", "__lessThan", "__findFile", "__nixPath", "__foldl'", "fetchTree", "break"] {
            assert!(is_global(n), "{n}");
        }
        for n in ["lib", "pkgs", "config", "tre", "__fetchTree", "__curPos", "or"] {
            assert!(!is_global(n), "{n}");
        }
    }
}
