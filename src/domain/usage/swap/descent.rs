//! The heuristic for more than [`super::EXACT_CANDIDATES`] candidates: a
//! greedy descent over the busiest events, then local rounds that drop and
//! re-add members (see the parent module's documentation for the rules).

use super::*;

/// A candidate in the descent's queue: how many events still to lower it
/// holds a slot on (`covers`), and what its move costs in org seats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Pick {
    pub(super) covers: u32,
    pub(super) cost: i128,
    pub(super) candidate: usize,
}

impl Pick {
    /// Free moves (cost ≤ 0) first, most covered first, then the cheaper;
    /// then the most covered per unit of cost, then the most covered.
    pub(super) fn outranks(&self, other: &Pick) -> bool {
        let (n, cost, bn, bcost) = (self.covers, self.cost, other.covers, other.cost);
        match (cost <= 0, bcost <= 0) {
            (true, false) => true,
            (false, true) => false,
            (true, true) => n > bn || (n == bn && cost < bcost),
            (false, false) => {
                let (ours, theirs) = (i128::from(n) * bcost, i128::from(bn) * cost);
                ours > theirs || (ours == theirs && n > bn)
            }
        }
    }
}

impl Ord for Pick {
    /// The better pick is the greater; among equals the first id.
    fn cmp(&self, other: &Pick) -> std::cmp::Ordering {
        if self.outranks(other) {
            std::cmp::Ordering::Greater
        } else if other.outranks(self) {
            std::cmp::Ordering::Less
        } else {
            other.candidate.cmp(&self.candidate)
        }
    }
}

impl PartialOrd for Pick {
    fn partial_cmp(&self, other: &Pick) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// A queue entry: `covers` above, then the first id (the larger key wins).
fn queue_key(covers: u32, c: usize) -> u128 {
    (u128::from(covers) << 64) | u128::from(u64::MAX - c as u64)
}

fn from_queue_key(key: u128) -> (u32, usize) {
    let covers = u32::try_from(key >> 64).unwrap_or(0);
    let low = u64::try_from(key & u128::from(u64::MAX)).unwrap_or(0);
    (
        covers,
        usize::try_from(u64::MAX - low).unwrap_or(usize::MAX),
    )
}

/// The heuristic's working state: a set, what is left on each busy event,
/// and how many busy events have each count left (for `after` in O(1)).
pub(super) struct Descent<'a> {
    problem: &'a Problem,
    /// Per candidate, the indices of the busy events they hold a slot on.
    held_by: Vec<Vec<usize>>,
    chosen: Vec<bool>,
    /// Per busy event, holders not chosen.
    left: Vec<u32>,
    /// `at[n]`: busy events with `n` holders left.
    at: Vec<u32>,
    /// The most holders left on a busy event (0 with none).
    top: u32,
    /// Org-seat gain of the chosen set.
    gain: i128,
    /// Σ over unchosen candidates of max(0, gain + price(event_pro)): no
    /// superset of the chosen set saves more than its saving plus this.
    upside: i128,
    /// The distinct costs of a move (−gain), ascending: a move costs one
    /// of two amounts, with or without an Org Standard seat freed.
    costs: Vec<i128>,
    /// Per candidate, the index of its cost in `costs`.
    cost_of: Vec<usize>,
}

impl<'a> Descent<'a> {
    pub(super) fn new(problem: &'a Problem) -> Descent<'a> {
        let k = problem.candidates.len();
        let mut held_by: Vec<Vec<usize>> = vec![Vec::new(); k];
        for (e, busy) in problem.events.iter().enumerate() {
            for &c in &busy.candidates {
                if let Some(list) = held_by.get_mut(c) {
                    list.push(e);
                }
            }
        }
        let left: Vec<u32> = problem.events.iter().map(|e| e.holders).collect();
        let top = left.iter().copied().max().unwrap_or(0);
        let mut at = vec![0u32; usize::try_from(top).unwrap_or(0) + 1];
        for &l in &left {
            if let Some(n) = at.get_mut(l as usize) {
                *n += 1;
            }
        }
        let upside = problem
            .gain
            .iter()
            .map(|g| (g + problem.event_pro_price).max(0))
            .sum();
        let mut costs: Vec<i128> = problem.gain.iter().map(|g| -g).collect();
        costs.sort_unstable();
        costs.dedup();
        let cost_of = problem
            .gain
            .iter()
            .map(|g| costs.binary_search(&-g).unwrap_or(0))
            .collect();
        Descent {
            problem,
            held_by,
            chosen: vec![false; k],
            left,
            at,
            top,
            gain: 0,
            upside,
            costs,
            cost_of,
        }
    }

    fn after(&self) -> u32 {
        self.top.max(self.problem.floor)
    }

    fn saving(&self) -> i128 {
        self.problem.saving(self.gain, self.after())
    }

    fn set(&self) -> Vec<usize> {
        (0..self.chosen.len())
            .filter(|&c| self.chosen.get(c) == Some(&true))
            .collect()
    }

    fn toggle(&mut self, c: usize) {
        let Some(on) = self.chosen.get_mut(c) else {
            return;
        };
        *on = !*on;
        let adding = *on;
        let g = self.problem.gain.get(c).copied().unwrap_or(0);
        let upside = (g + self.problem.event_pro_price).max(0);
        if adding {
            self.gain += g;
            self.upside -= upside;
        } else {
            self.gain -= g;
            self.upside += upside;
        }
        for &e in self.held_by.get(c).map(Vec::as_slice).unwrap_or(&[]) {
            let Some(l) = self.left.get_mut(e) else {
                continue;
            };
            if let Some(n) = self.at.get_mut(*l as usize) {
                *n = n.saturating_sub(1);
            }
            *l = if adding { l.saturating_sub(1) } else { *l + 1 };
            if let Some(n) = self.at.get_mut(*l as usize) {
                *n += 1;
            }
            self.top = self.top.max(*l);
        }
        while self.top > 0 && self.at.get(self.top as usize) == Some(&0) {
            self.top -= 1;
        }
    }

    pub(super) fn reset_to(&mut self, set: &[usize]) {
        for c in self.set() {
            self.toggle(c);
        }
        for &c in set {
            self.toggle(c);
        }
    }

    /// Lowers `after` one level at a time down to `floor`, scoring the set
    /// reached at each; the best level's saving and set (sorted). Stops
    /// early once no further level can beat the best (see `upside`).
    pub(super) fn descend(&mut self) -> (i128, Vec<usize>) {
        let mut picks = Vec::new();
        let (mut best, mut best_len) = (0i128, 0usize);
        let mut covers = vec![0u32; self.chosen.len()];
        loop {
            let after = self.after();
            if after <= self.problem.floor
                || self.saving() + self.upside <= best
                || !self.lower_by_one(after, &mut covers, &mut picks)
            {
                break;
            }
            // Each level adds candidates: a later set is larger, so only a
            // larger saving beats an earlier one.
            let saving = self.saving();
            if saving > best {
                (best, best_len) = (saving, picks.len());
            }
        }
        picks.truncate(best_len);
        picks.sort_unstable();
        (best, picks)
    }

    /// Adds candidates until every event with `after` holders left has
    /// lost one, each time the best [`Pick`] (ties to the first id): the
    /// best of the tops of the queues, one per cost, whose stale entries
    /// are refreshed when they come up (a candidate's `covers` only falls,
    /// and with it its rank). False when no candidate is left (never, while
    /// `after > floor`). `covers` is all zeros on entry and on return.
    fn lower_by_one(&mut self, after: u32, covers: &mut [u32], picks: &mut Vec<usize>) -> bool {
        let events = &self.problem.events;
        let mut unhit: Vec<bool> = self.left.iter().map(|&l| l == after).collect();
        let mut to_hit = 0usize;
        let mut queued = Vec::new();
        for (busy, _) in events.iter().zip(&unhit).filter(|(_, u)| **u) {
            to_hit += 1;
            for &c in &busy.candidates {
                if let (Some(n), Some(false)) = (covers.get_mut(c), self.chosen.get(c)) {
                    if *n == 0 {
                        queued.push(c);
                    }
                    *n += 1;
                }
            }
        }
        // One queue per cost: there the order is most covered first, then
        // the first id, read from one integer.
        let mut queues: Vec<BinaryHeap<u128>> = vec![BinaryHeap::new(); self.costs.len()];
        for &c in &queued {
            let cost = self.cost_of.get(c).copied().unwrap_or(0);
            if let Some(queue) = queues.get_mut(cost) {
                queue.push(queue_key(covers.get(c).copied().unwrap_or(0), c));
            }
        }
        let mut done = true;
        while to_hit > 0 {
            let mut best: Option<Pick> = None;
            for (queue, &cost) in queues.iter_mut().zip(&self.costs) {
                while let Some(&key) = queue.peek() {
                    let (n, c) = from_queue_key(key);
                    let now = covers.get(c).copied().unwrap_or(0);
                    if self.chosen.get(c) != Some(&false) || now != n {
                        queue.pop();
                        if now > 0 && self.chosen.get(c) == Some(&false) {
                            queue.push(queue_key(now, c));
                        }
                        continue;
                    }
                    let pick = Pick {
                        covers: n,
                        cost,
                        candidate: c,
                    };
                    if best.is_none_or(|b| pick > b) {
                        best = Some(pick);
                    }
                    break;
                }
            }
            let Some(Pick {
                candidate: pick, ..
            }) = best
            else {
                done = false;
                break;
            };
            self.toggle(pick);
            picks.push(pick);
            for &e in self.held_by.get(pick).map(Vec::as_slice).unwrap_or(&[]) {
                if let Some(u @ true) = unhit.get_mut(e) {
                    *u = false;
                    to_hit -= 1;
                    let holders = events.get(e).map(|b| b.candidates.as_slice());
                    for &c in holders.unwrap_or(&[]) {
                        if let Some(n) = covers.get_mut(c) {
                            *n = n.saturating_sub(1);
                        }
                    }
                }
            }
        }
        for c in queued {
            if let Some(n) = covers.get_mut(c) {
                *n = 0;
            }
        }
        done
    }

    /// Single add/remove moves, in id order, while they improve the result
    /// (`saving` is the chosen set's); the final set. Adding makes the set
    /// larger, so it must save more; removing makes it smaller, so saving
    /// as much is enough.
    pub(super) fn improve(&mut self, mut saving: i128) -> Vec<usize> {
        for _ in 0..LOCAL_ROUNDS {
            let mut moved = false;
            for c in 0..self.chosen.len() {
                let adding = self.chosen.get(c) == Some(&false);
                self.toggle(c);
                let tried = self.saving();
                if tried > saving || (!adding && tried == saving) {
                    (saving, moved) = (tried, true);
                } else {
                    self.toggle(c);
                }
            }
            if !moved {
                break;
            }
        }
        self.set()
    }
}
