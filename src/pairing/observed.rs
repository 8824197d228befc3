//! What `check --online` saw, set against the static guess: the `Sig:` names on a real
//! narinfo decide which trusted key signs a cache.
//!
//! | outcome | static guess | what the narinfo showed |
//! |---|---|---|
//! | `confirmed` | key K | K signs it (with a valid signature) |
//! | `corrected` | no key, or K | another trusted key signs it: the guess was wrong, the cache is fine |
//! | `refuted` | key K | no trusted key signs it (unsigned, untrusted signers, or K's signature is bad) |
//! | `missing` | no key | no trusted key signs it either: `no-trusted-key` was right |
//! | `unknown` | either | no narinfo was checked (unreachable, no probe path, a content-addressed path without signatures) |

use serde::Serialize;

use crate::narinfo::Verdict;

/// The static guess judged by the observation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Confirmed,
    Corrected,
    Refuted,
    Missing,
    Unknown,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Confirmed => "confirmed",
            Outcome::Corrected => "corrected",
            Outcome::Refuted => "refuted",
            Outcome::Missing => "missing",
            Outcome::Unknown => "unknown",
        }
    }
}

/// Judges `static_key` (the key name the offline pairing chose, if any) by the signatures
/// of a checked narinfo. `verdict` is `None` when no narinfo was checked; a content-addressed
/// path with no signature at all proves nothing (Nix accepts it unsigned).
pub fn judge(static_key: Option<&str>, verdict: Option<&Verdict>, content_addressed: bool) -> Outcome {
    let Some(v) = verdict else { return Outcome::Unknown };
    if v.valid.is_empty() && v.bad.is_empty() && v.untrusted.is_empty() && content_addressed {
        return Outcome::Unknown;
    }
    match static_key {
        Some(k) if v.valid.iter().any(|s| s == k) => Outcome::Confirmed,
        _ if !v.valid.is_empty() => Outcome::Corrected,
        Some(_) => Outcome::Refuted,
        None => Outcome::Missing,
    }
}

/// One plain sentence for the outcomes where the static guess was wrong (`corrected`,
/// `refuted`); `None` otherwise.
pub fn explain(static_key: Option<&str>, verdict: Option<&Verdict>, outcome: Outcome) -> Option<String> {
    let v = verdict?;
    let guess = static_key
        .map_or_else(|| "static pairing guessed no key".to_owned(), |k| format!("static pairing guessed {k}"));
    match outcome {
        Outcome::Corrected => {
            let but = if static_key.is_none() { "but " } else { "" };
            Some(format!("{guess}, {but}the cache signs with {} (trusted)", v.valid.join(", ")))
        }
        Outcome::Refuted => Some(if let Some(k) = static_key.filter(|k| v.bad.iter().any(|b| b == k)) {
            format!("{guess}, but its signature on this path does not verify: the key or the narinfo is wrong ({k})")
        } else if v.untrusted.is_empty() {
            format!("{guess}, but the path carries no signature from it")
        } else {
            format!("{guess}, but the cache signs with {} (not trusted)", v.untrusted.join(", "))
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(valid: &[&str], untrusted: &[&str], bad: &[&str]) -> Verdict {
        let own = |s: &[&str]| s.iter().map(|x| (*x).to_owned()).collect();
        Verdict { valid: own(valid), untrusted: own(untrusted), bad: own(bad), ..Verdict::default() }
    }

    #[test]
    fn every_outcome() {
        let signed = v(&["niks3.numtide.com-1"], &[], &[]);
        assert_eq!(judge(Some("niks3.numtide.com-1"), Some(&signed), false), Outcome::Confirmed);
        assert_eq!(judge(None, Some(&signed), false), Outcome::Corrected);
        assert_eq!(judge(Some("cache.numtide.com-1"), Some(&signed), false), Outcome::Corrected);
        assert_eq!(judge(Some("test-1"), Some(&v(&[], &["other-1"], &[])), false), Outcome::Refuted);
        assert_eq!(judge(Some("test-1"), Some(&v(&[], &[], &["test-1"])), false), Outcome::Refuted);
        assert_eq!(judge(None, Some(&v(&[], &["other-1"], &[])), false), Outcome::Missing);
        assert_eq!(judge(Some("test-1"), None, false), Outcome::Unknown);
        assert_eq!(judge(Some("test-1"), Some(&v(&[], &[], &[])), true), Outcome::Unknown);
        assert_eq!(judge(Some("test-1"), Some(&v(&[], &[], &[])), false), Outcome::Refuted);
    }

    #[test]
    fn sentences_name_the_guess_and_the_real_signer() {
        let signed = v(&["niks3.numtide.com-1"], &[], &[]);
        let say = |k: Option<&str>, v: &Verdict| explain(k, Some(v), judge(k, Some(v), false));
        expect_test::expect![[r#"
            Some(
                "static pairing guessed no key, but the cache signs with niks3.numtide.com-1 (trusted)",
            )
        "#]]
        .assert_debug_eq(&say(None, &signed));
        assert_eq!(
            say(Some("test-1"), &v(&["test-2"], &[], &[])).as_deref(),
            Some("static pairing guessed test-1, the cache signs with test-2 (trusted)")
        );
        assert_eq!(
            say(Some("test-1"), &v(&[], &["test-9"], &[])).as_deref(),
            Some("static pairing guessed test-1, but the cache signs with test-9 (not trusted)")
        );
        assert!(say(Some("test-1"), &v(&[], &[], &["test-1"])).is_some_and(|s| s.contains("does not verify")));
        assert_eq!(say(Some("niks3.numtide.com-1"), &signed), None);
        assert_eq!(say(None, &v(&[], &["x"], &[])), None);
    }
}
