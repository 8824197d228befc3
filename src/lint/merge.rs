//! Which files of a run NixOS merges into one configuration.
//!
//! Two files are merged when one imports the other (transitively), or when both are
//! imported by a common file or by one `modules = [ … ]` list (see [`crate::nix::imports`]):
//! in the graph of unconditional import edges, they have a common ancestor. Two host files
//! that both import `modules/base.nix` are each merged with base.nix, but not with each
//! other. The relation is not transitive, so rules ask it pair by pair.
//!
//! Rules that report something *present* in another file (a duplicate, a `lib.mkForce` that
//! drops the default key) ask this relation, so an unrelated file never causes a finding.
//! Rules that report something *missing* (no key for a cache, no cache for a key, no
//! `fallback`) look at the whole run instead: a missed warning is better than a false one.

use std::cell::OnceCell;
use std::collections::HashMap;

use crate::nix::imports::Group;

/// The merge relation of a run.
#[derive(Clone)]
pub enum Merge {
    /// Every file with every other: the files named with `--isolated`, checked together.
    All,
    /// From the import graph.
    Graph(Graph),
}

impl Merge {
    /// True when every configuration that has file `a` also has file `b`: the same file,
    /// `a` importing `b` unconditionally (transitively), or files checked as one.
    pub fn includes(&self, a: usize, b: usize) -> bool {
        match self {
            Merge::All => true,
            Merge::Graph(g) => a == b || g.imports(a, b),
        }
    }

    /// True when files `a` and `b` end up in one configuration.
    pub fn merged(&self, a: usize, b: usize) -> bool {
        match self {
            Merge::All => true,
            Merge::Graph(g) => g.merged(a, b),
        }
    }
}

/// The unconditional import edges of a run, reversed, with ancestors computed on demand.
#[derive(Clone)]
pub struct Graph {
    files: usize,
    /// For each node (files first, then separate groups): the nodes that import it.
    importers: Vec<Vec<u32>>,
    /// Files that take part in no merge (context files with parse errors).
    isolated: Vec<bool>,
    ancestors: Vec<OnceCell<Vec<u64>>>,
}

/// Builds a [`Graph`] from import edges.
pub struct GraphBuilder {
    files: usize,
    groups: HashMap<(usize, u32), u32>,
    importers: Vec<Vec<u32>>,
    isolated: Vec<bool>,
}

impl GraphBuilder {
    pub fn new(files: usize) -> GraphBuilder {
        GraphBuilder { files, groups: HashMap::new(), importers: vec![Vec::new(); files], isolated: vec![false; files] }
    }

    /// File `file` takes part in no merge (its own findings are never reported anyway).
    pub fn isolate(&mut self, file: usize) {
        if let Some(i) = self.isolated.get_mut(file) {
            *i = true;
        }
    }

    /// `from` imports `to` in `group`. Conditional imports are not edges of the relation:
    /// `lib.optional isDarwin ./darwin.nix ++ lib.optional isLinux ./linux.nix` does not
    /// merge the two.
    pub fn edge(&mut self, from: usize, group: Group, to: usize) {
        if from >= self.files || to >= self.files || from == to {
            return;
        }
        let node = match group {
            Group::Module => from,
            Group::Separate(at) => {
                let next = self.importers.len();
                let id = *self.groups.entry((from, at)).or_insert(next as u32) as usize;
                if id == next {
                    self.importers.push(Vec::new());
                }
                id
            }
        };
        let importers = &mut self.importers[to];
        if !importers.contains(&(node as u32)) {
            importers.push(node as u32);
        }
    }

    pub fn build(self) -> Merge {
        let ancestors = (0..self.files).map(|_| OnceCell::new()).collect();
        Merge::Graph(Graph { files: self.files, importers: self.importers, isolated: self.isolated, ancestors })
    }
}

impl Graph {
    fn merged(&self, a: usize, b: usize) -> bool {
        if a == b {
            return true;
        }
        if a >= self.files || b >= self.files || self.isolated[a] || self.isolated[b] {
            return false;
        }
        let (x, y) = (self.ancestors(a), self.ancestors(b));
        x.iter().zip(y).any(|(p, q)| p & q != 0)
    }

    fn imports(&self, a: usize, b: usize) -> bool {
        if a >= self.files || b >= self.files || self.isolated[a] || self.isolated[b] {
            return false;
        }
        self.ancestors(b).get(a / 64).is_some_and(|w| w & (1 << (a % 64)) != 0)
    }

    /// The nodes from which `file` is reachable (itself included), as a bit set.
    fn ancestors(&self, file: usize) -> &[u64] {
        self.ancestors[file].get_or_init(|| {
            let nodes = self.importers.len();
            let mut bits = vec![0u64; nodes.div_ceil(64)];
            let mut stack = vec![file];
            bits[file / 64] |= 1 << (file % 64);
            while let Some(n) = stack.pop() {
                for &p in &self.importers[n] {
                    let p = p as usize;
                    let counts = p >= self.files || !self.isolated[p];
                    if counts && bits[p / 64] & (1 << (p % 64)) == 0 {
                        bits[p / 64] |= 1 << (p % 64);
                        stack.push(p);
                    }
                }
            }
            bits
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// flake(0) lists host a(1) and host b(2) in two `modules` lists; both hosts import
    /// base(3), which imports util(4); a conditionally-only imported darwin(5); cycle 6 ⇄ 7.
    fn sample() -> Merge {
        let mut g = GraphBuilder::new(8);
        g.edge(0, Group::Separate(10), 1);
        g.edge(0, Group::Separate(20), 2);
        g.edge(0, Group::Separate(20), 4);
        g.edge(1, Group::Module, 3);
        g.edge(2, Group::Module, 3);
        g.edge(3, Group::Module, 4);
        g.edge(6, Group::Module, 7);
        g.edge(7, Group::Module, 6);
        g.build()
    }

    #[test]
    fn imports_merge_and_siblings_do_not() {
        let m = sample();
        assert!(m.merged(1, 3) && m.merged(3, 1) && m.merged(1, 4) && m.merged(2, 4));
        assert!(!m.merged(1, 2), "two hosts that share base.nix are two configurations");
        assert!(!m.merged(0, 1), "the flake is not a module of its hosts");
        assert!(m.merged(2, 4), "one modules list merges its files");
        assert!(!m.merged(1, 5) && m.merged(5, 5));
        assert!(m.merged(6, 7) && !m.merged(6, 1), "a cycle merges its files and ends");
        assert!(Merge::All.merged(1, 2));
    }

    #[test]
    fn isolated_files_merge_with_nothing() {
        let mut g = GraphBuilder::new(3);
        g.edge(0, Group::Module, 1);
        g.edge(0, Group::Module, 2);
        g.isolate(0);
        let m = g.build();
        assert!(!m.merged(0, 1) && !m.merged(1, 2));
        assert!(m.merged(1, 1));
    }
}
