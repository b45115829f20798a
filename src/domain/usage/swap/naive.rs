//! The heuristic in its plain form, recomputing at every step what the
//! incremental one keeps up to date: the test oracle that both choose the
//! same set.

use super::descent::Pick;
use super::{Problem, LOCAL_ROUNDS};

impl Problem {
    pub(in crate::domain::usage) fn candidate(&self, c: usize) -> &crate::domain::Id {
        &self.candidates[c]
    }

    pub(in crate::domain::usage) fn naive_heuristic(&self) -> Vec<usize> {
        let k = self.candidates.len();
        let mut held_by: Vec<Vec<usize>> = vec![Vec::new(); k];
        for (e, busy) in self.events.iter().enumerate() {
            for &c in &busy.candidates {
                held_by[c].push(e);
            }
        }
        let mut state = Naive {
            problem: self,
            held_by: &held_by,
            chosen: vec![false; k],
            left: self.events.iter().map(|e| e.holders).collect(),
            gain: 0,
        };
        let mut best = (0i128, Vec::new());
        loop {
            let after = self.after(&state.left);
            if after <= self.floor || !state.lower_by_one(after) {
                break;
            }
            let saving = self.saving(state.gain, self.after(&state.left));
            let set = state.set();
            if better(saving, &set, best.0, &best.1) {
                best = (saving, set);
            }
        }
        state.reset_to(&best.1);
        state.improve(best)
    }
}

struct Naive<'a> {
    problem: &'a Problem,
    held_by: &'a [Vec<usize>],
    chosen: Vec<bool>,
    left: Vec<u32>,
    gain: i128,
}

impl Naive<'_> {
    fn set(&self) -> Vec<usize> {
        (0..self.chosen.len()).filter(|&c| self.chosen[c]).collect()
    }

    fn toggle(&mut self, c: usize) {
        self.chosen[c] = !self.chosen[c];
        let adding = self.chosen[c];
        let g = self.problem.gain[c];
        self.gain += if adding { g } else { -g };
        for &e in &self.held_by[c] {
            let l = &mut self.left[e];
            *l = if adding { *l - 1 } else { *l + 1 };
        }
    }

    fn reset_to(&mut self, set: &[usize]) {
        for c in self.set() {
            self.toggle(c);
        }
        for &c in set {
            self.toggle(c);
        }
    }

    fn lower_by_one(&mut self, after: u32) -> bool {
        let mut unhit: Vec<bool> = self.left.iter().map(|&l| l == after).collect();
        let mut covers = vec![0u32; self.chosen.len()];
        for (busy, _) in self.problem.events.iter().zip(&unhit).filter(|(_, u)| **u) {
            for &c in &busy.candidates {
                if !self.chosen[c] {
                    covers[c] += 1;
                }
            }
        }
        while unhit.iter().any(|u| *u) {
            // The first candidate no later one outranks.
            let mut best: Option<Pick> = None;
            for (c, &n) in covers.iter().enumerate() {
                if n == 0 || self.chosen[c] {
                    continue;
                }
                let pick = Pick {
                    covers: n,
                    cost: -self.problem.gain[c],
                    candidate: c,
                };
                if best.is_none_or(|b| pick.outranks(&b)) {
                    best = Some(pick);
                }
            }
            let Some(Pick { candidate, .. }) = best else {
                return false;
            };
            self.toggle(candidate);
            for &e in &self.held_by[candidate] {
                if unhit[e] {
                    unhit[e] = false;
                    for &c in &self.problem.events[e].candidates {
                        covers[c] = covers[c].saturating_sub(1);
                    }
                }
            }
        }
        true
    }

    fn improve(&mut self, (mut saving, mut set): (i128, Vec<usize>)) -> Vec<usize> {
        for _ in 0..LOCAL_ROUNDS {
            let mut moved = false;
            for c in 0..self.chosen.len() {
                self.toggle(c);
                let tried = self
                    .problem
                    .saving(self.gain, self.problem.after(&self.left));
                let tried_set = self.set();
                if better(tried, &tried_set, saving, &set) {
                    (saving, set, moved) = (tried, tried_set, true);
                } else {
                    self.toggle(c);
                }
            }
            if !moved {
                break;
            }
        }
        set
    }
}

/// Whether set `a` (sorted indices) beats `b`: larger saving, then fewer
/// members, then the sorted list that comes first.
fn better(a_saving: i128, a: &[usize], b_saving: i128, b: &[usize]) -> bool {
    a_saving > b_saving
        || (a_saving == b_saving && (a.len() < b.len() || (a.len() == b.len() && a < b)))
}
