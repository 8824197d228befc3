//! What the check found: one [`PathResult`] per store path, and the [`Summary`] that adds
//! them up per status and per cache. Only paths that are not substitutable are kept, so
//! memory does not grow with the substitutable majority.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::input::package_name;

/// How Nix will get a store path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// A cache serves it with a valid signature by a trusted key (or a matching content
    /// address): it will be downloaded.
    Substitutable,
    /// Some cache has it, but none with a valid trusted signature: Nix refuses it and builds.
    Untrusted,
    /// No cache has it: it will be built.
    Missing,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Substitutable => "substitutable",
            Status::Untrusted => "untrusted",
            Status::Missing => "missing",
        }
    }
}

/// One cache's answer for one path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// Served with a valid trusted signature, or a content address that matches the path,
    /// or by a cache Nix takes unsigned paths from (`?trusted=1`, `require-sigs = false`).
    Verified {
        /// Shared: the narinfos of a cache are all signed by the same keys.
        signed_by: std::sync::Arc<[String]>,
        content_addressed: bool,
        trusted_cache: bool,
        file_size: Option<u64>,
        nar_size: u64,
    },
    /// Served, but Nix would refuse it, for `reason`.
    Untrusted { reason: String, file_size: Option<u64>, nar_size: Option<u64> },
    /// 404 (or 403).
    Absent,
    /// The request failed (after retries).
    Failed(String),
    /// Not asked: the cache had been dropped as dead.
    Skipped,
}

/// One answer and the cache (an index into [`Summary::caches`]) that gave it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Visit {
    pub cache: usize,
    pub answer: Answer,
}

/// The caches asked about one path, in Nix's order, up to the first that serves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathResult {
    pub path: String,
    pub visits: Vec<Visit>,
}

impl PathResult {
    pub fn status(&self) -> Status {
        if self.serving().is_some() {
            Status::Substitutable
        } else if self.visits.iter().any(|v| matches!(v.answer, Answer::Untrusted { .. })) {
            Status::Untrusted
        } else {
            Status::Missing
        }
    }

    /// The visit that makes the path substitutable.
    pub fn serving(&self) -> Option<&Visit> {
        self.visits.iter().find(|v| matches!(v.answer, Answer::Verified { .. }))
    }

    /// NarSize as the serving cache (or the first that had it) states it.
    pub fn nar_size(&self) -> Option<u64> {
        self.visits.iter().find_map(|v| match &v.answer {
            Answer::Verified { nar_size, .. } => Some(*nar_size),
            Answer::Untrusted { nar_size, .. } => *nar_size,
            _ => None,
        })
    }

    /// Why the path is not substitutable, per cache that had it or failed.
    pub fn problems(&self) -> impl Iterator<Item = (usize, &str)> {
        self.visits.iter().filter_map(|v| match &v.answer {
            Answer::Untrusted { reason, .. } | Answer::Failed(reason) => Some((v.cache, reason.as_str())),
            _ => None,
        })
    }
}

/// Totals for one cache.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CacheTotals {
    pub url: String,
    /// The priority Nix orders it by (URL parameter, else `nix-cache-info`, else 0).
    pub priority: i32,
    /// Why the cache was not used at all (unreachable, not a cache, scheme not checked…).
    pub dropped: Option<String>,
    /// Why it was given up during the run (it stopped answering).
    pub died: Option<String>,
    /// Nix takes its paths without checking signatures (`?trusted=1`, `require-sigs = false`).
    pub trusted: bool,
    pub asked: u64,
    /// Paths it had a narinfo for.
    pub found: u64,
    /// Paths it serves with a valid trusted signature: Nix downloads these from it.
    pub verified: u64,
    /// Download size of the verified paths (`FileSize`, else `NarSize`).
    pub bytes: u64,
    /// Unpacked size of the verified paths (`NarSize`).
    pub nar_bytes: u64,
    pub errors: u64,
}

/// The totals of a run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    pub total: u64,
    pub substitutable: u64,
    pub untrusted: u64,
    pub missing: u64,
    /// In the order Nix asks them, dropped caches last.
    pub caches: Vec<CacheTotals>,
    /// The paths that are not substitutable, in the order they were answered.
    pub problems: Vec<PathResult>,
}

/// Paths of one package that are not substitutable.
#[derive(Debug)]
pub struct Group<'a> {
    pub name: &'a str,
    pub paths: Vec<&'a PathResult>,
    /// Known NarSize sum (caches that had the path state it).
    pub nar_bytes: u64,
}

impl Summary {
    pub fn new(caches: Vec<CacheTotals>) -> Summary {
        Summary { caches, ..Summary::default() }
    }

    /// Counts one result; keeps it when it is not substitutable.
    pub fn add(&mut self, result: PathResult) {
        self.total += 1;
        for v in &result.visits {
            let Some(c) = self.caches.get_mut(v.cache) else { continue };
            match &v.answer {
                Answer::Verified { file_size, nar_size, .. } => {
                    c.asked += 1;
                    c.found += 1;
                    c.verified += 1;
                    c.bytes += file_size.unwrap_or(*nar_size);
                    c.nar_bytes += nar_size;
                }
                Answer::Untrusted { .. } => {
                    c.asked += 1;
                    c.found += 1;
                }
                Answer::Absent => c.asked += 1,
                Answer::Failed(_) => {
                    c.asked += 1;
                    c.errors += 1;
                }
                Answer::Skipped => {}
            }
        }
        match result.status() {
            Status::Substitutable => self.substitutable += 1,
            Status::Untrusted => {
                self.untrusted += 1;
                self.problems.push(result);
            }
            Status::Missing => {
                self.missing += 1;
                self.problems.push(result);
            }
        }
    }

    /// The substitutable share in percent (100 for no paths at all).
    pub fn percent(&self) -> f64 {
        percent(self.substitutable, self.total)
    }

    /// The paths with `status`, grouped by package name: most paths first, then largest.
    pub fn groups(&self, status: Status) -> Vec<Group<'_>> {
        let mut by_name: HashMap<&str, Group<'_>> = HashMap::new();
        for r in self.problems.iter().filter(|r| r.status() == status) {
            let name = package_name(&r.path);
            let g = by_name.entry(name).or_insert_with(|| Group { name, paths: Vec::new(), nar_bytes: 0 });
            g.nar_bytes += r.nar_size().unwrap_or(0);
            g.paths.push(r);
        }
        let mut groups: Vec<Group<'_>> = by_name.into_values().collect();
        for g in &mut groups {
            g.paths.sort_by(|a, b| a.path.cmp(&b.path));
        }
        groups.sort_by(|a, b| {
            b.paths.len().cmp(&a.paths.len()).then(b.nar_bytes.cmp(&a.nar_bytes)).then(a.name.cmp(b.name))
        });
        groups
    }

    /// `--json` totals: counts, `percent` and `caches` (the `paths` array is streamed
    /// separately with [`path_entry`]).
    pub fn totals_json(&self) -> Value {
        let caches: Vec<Value> = self
            .caches
            .iter()
            .map(|c| {
                json!({
                    "url": c.url, "priority": c.priority, "found": c.found, "verified": c.verified,
                    "bytes": c.bytes, "nar_bytes": c.nar_bytes, "asked": c.asked, "errors": c.errors,
                    "error": c.dropped.as_ref().or(c.died.as_ref()), "trusted": c.trusted,
                })
            })
            .collect();
        json!({
            "total": self.total, "substitutable": self.substitutable, "untrusted": self.untrusted,
            "missing": self.missing, "percent": round2(self.percent()), "caches": caches,
        })
    }
}

/// `part` of `total` in percent, 100 when `total` is 0.
pub fn percent(part: u64, total: u64) -> f64 {
    if total == 0 { 100.0 } else { part as f64 * 100.0 / total as f64 }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).floor() / 100.0
}

/// One entry of the `--json` `paths` array, borrowed from its [`PathResult`] and serialized
/// straight to the output. Fields are in alphabetical order, as the document has always
/// had them.
#[derive(Debug, serde::Serialize)]
pub struct PathEntry<'a> {
    cache: Option<&'a str>,
    content_addressed: bool,
    file_size: Option<u64>,
    nar_size: Option<u64>,
    path: &'a str,
    problems: Vec<Problem<'a>>,
    signed_by: &'a [String],
    status: &'static str,
    trusted_cache: bool,
}

/// Why one cache's answer for a path did not count.
#[derive(Debug, serde::Serialize)]
struct Problem<'a> {
    cache: Option<&'a str>,
    reason: &'a str,
}

/// The `--json` entry of `r`; `caches` names the cache indices.
pub fn path_entry<'a>(r: &'a PathResult, caches: &'a [CacheTotals]) -> PathEntry<'a> {
    let url = |i: usize| caches.get(i).map(|c| c.url.as_str());
    let (cache, signed_by, content_addressed, trusted_cache, file_size, nar_size) =
        match r.serving().map(|v| (v.cache, &v.answer)) {
            Some((i, Answer::Verified { signed_by, content_addressed, trusted_cache, file_size, nar_size })) => {
                (url(i), &signed_by[..], *content_addressed, *trusted_cache, *file_size, Some(*nar_size))
            }
            _ => {
                let first = r.visits.iter().find_map(|v| match &v.answer {
                    Answer::Untrusted { file_size, nar_size, .. } => Some((url(v.cache), *file_size, *nar_size)),
                    _ => None,
                });
                let (cache, file_size, nar_size) = first.unwrap_or((None, None, None));
                (cache, &[][..], false, false, file_size, nar_size)
            }
        };
    PathEntry {
        cache,
        content_addressed,
        file_size,
        nar_size,
        path: &r.path,
        problems: r.problems().map(|(i, reason)| Problem { cache: url(i), reason }).collect(),
        signed_by,
        status: r.status().name(),
        trusted_cache,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(name: &str, answers: Vec<(usize, Answer)>) -> PathResult {
        PathResult {
            path: format!("/nix/store/00000000000000000000000000000000-{name}"),
            visits: answers.into_iter().map(|(cache, answer)| Visit { cache, answer }).collect(),
        }
    }

    fn verified(size: u64) -> Answer {
        Answer::Verified {
            signed_by: vec!["k-1".into()].into(),
            content_addressed: false,
            trusted_cache: false,
            file_size: Some(size / 2),
            nar_size: size,
        }
    }

    fn untrusted(size: u64) -> Answer {
        Answer::Untrusted {
            reason: "signed only by untrusted key(s) x-1".into(),
            file_size: None,
            nar_size: Some(size),
        }
    }

    #[test]
    fn totals_per_status_and_cache() {
        let caches = ["http://a", "http://b"].map(|u| CacheTotals { url: u.into(), ..CacheTotals::default() }).to_vec();
        let mut s = Summary::new(caches);
        s.add(result("hello-1.0", vec![(0, verified(100))]));
        s.add(result("big-2", vec![(0, untrusted(10)), (1, verified(400))]));
        s.add(result("firefox-120", vec![(0, untrusted(300)), (1, Answer::Absent)]));
        s.add(result("firefox-120-man", vec![(0, Answer::Absent), (1, Answer::Failed("http 500".into()))]));
        s.add(result("firefox-120-dev", vec![(0, Answer::Absent), (1, Answer::Skipped)]));
        assert_eq!((s.total, s.substitutable, s.untrusted, s.missing), (5, 2, 1, 2));
        assert_eq!(s.percent(), 40.0);
        let a = &s.caches[0];
        assert_eq!((a.asked, a.found, a.verified, a.bytes, a.nar_bytes), (5, 3, 1, 50, 100));
        let b = &s.caches[1];
        assert_eq!((b.asked, b.found, b.verified, b.bytes, b.errors), (3, 1, 1, 200, 1));
        let missing = s.groups(Status::Missing);
        assert_eq!(missing.iter().map(|g| (g.name, g.paths.len())).collect::<Vec<_>>(), [("firefox", 2)]);
        let json = serde_json::to_value(path_entry(&s.problems[0], &s.caches)).expect("serialises");
        assert_eq!(json["status"], "untrusted");
        assert_eq!(json["cache"], "http://a");
        assert_eq!(json["nar_size"], 300);
        assert_eq!(json["problems"][0]["reason"], "signed only by untrusted key(s) x-1");
        assert_eq!(s.totals_json()["caches"][1]["errors"], 1);
    }

    #[test]
    fn groups_are_largest_first() {
        let mut s = Summary::new(vec![CacheTotals::default()]);
        s.add(result("a-1", vec![(0, untrusted(5))]));
        s.add(result("b-1", vec![(0, untrusted(50))]));
        s.add(result("c-1", vec![(0, untrusted(1))]));
        s.add(result("c-1-dev", vec![(0, untrusted(1))]));
        let names: Vec<&str> = s.groups(Status::Untrusted).iter().map(|g| g.name).collect();
        assert_eq!(names, ["c", "b", "a"]);
        assert_eq!(percent(0, 0), 100.0);
    }
}
