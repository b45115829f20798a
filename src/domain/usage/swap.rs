//! `org_pro_swap`: which members to give Org Pro so the org needs the least.
//!
//! The Event Pro count an org needs is the most slot holders on one event;
//! giving a member Org Pro releases their slots everywhere, adds an Org Pro
//! seat and frees their Org Standard seat if they held one. For a set `S` of
//! candidates (members, not Org Pro, holding at least one slot):
//!
//! ```text
//! saving(S) = Σ_{c∈S} gain(c) + price(event_pro) × (max_used − after(S))
//! gain(c)   = price(org_standard) if c holds Org Standard, else 0; − price(org_pro)
//! after(S)  = max over events of (holders − holders in S)
//! ```
//!
//! which is exactly "needed cost now − needed cost after" of SPEC.
//!
//! **Tie-breaking**, the same in every search: the larger saving wins, then
//! the smaller set, then the set whose sorted user list comes first.
//!
//! **Up to [`EXACT_CANDIDATES`] candidates: exact.** Every subset is tried
//! as a bitmask. Only events that can set `after` matter: `after(S)` is never
//! below `floor`, the most non-candidate holders on one event, so an event
//! with at most `floor` holders is dropped; events with the same candidate
//! holders are merged (the fuller one decides). A subset whose org-seat gain
//! plus the most Event Pro could save cannot reach the best so far is
//! skipped without looking at the events, and the scan over events stops as
//! soon as `after` is too high to beat it.
//!
//! **A bound first.** Lowering `after` by `d` moves at least `d`
//! candidates (a member holds at most one slot per event), so no set saves
//! more than `max over d ≤ max_used − floor of price(event_pro) × d + the
//! largest org-seat gain of d or more candidates` ([`Problem::bound`],
//! O(candidates × log candidates)). When that is ≤ 0, which is the usual
//! case when Org Pro costs more than the Event Pro slots a member frees, no
//! search is made: nothing is advised.
//!
//! **More candidates: a heuristic** (the answer may miss the optimum, never
//! overstates its saving, and never does worse than moving no one). A
//! descent: while `after` is above `floor`, every event at the current
//! maximum must lose one holder; candidates are added greedily until each
//! such event has lost one (first the ones whose move costs nothing in org
//! seats, most such events covered first; then the best events-covered per
//! unit of cost; ties to the first id), and the set reached at each level
//! is scored. The descent stops early once no deeper level can beat the
//! best so far (a deeper set adds at most `gain + price(event_pro)` per
//! candidate added). The best level's set is then improved locally: adding
//! or removing one candidate at a time, in id order, while that improves
//! the result, for at most [`LOCAL_ROUNDS`] passes.
//!
//! Cost, with `k` candidates, `E` busy events, `H` slots held by
//! candidates on them and `L ≤ max_used − floor` levels: the count of busy
//! events per number of holders left is kept up to date, so `after` is
//! read in O(1) and a move costs O(events the member holds a slot on). A
//! level scans the busy events (O(E)), counts for each candidate on an
//! event at the maximum how many such events it covers, and keeps those
//! candidates in priority queues, one per cost of a move (there are at
//! most two: with or without an Org Standard seat freed; within one cost
//! the order is by count, then id), whose stale entries are refreshed when
//! they surface (a candidate's count only falls, and with it its rank), so
//! one level is O(E + H + q log q) for the `q` candidates on its events.
//! The descent is O(L × (E + H + k log k)) at worst, each local pass
//! O(k + H). On 100 events of 150 holders with 7,800 candidates that is a
//! few milliseconds where recounting every candidate for every pick, as a
//! plain implementation does, took hundreds (`benches/usage.rs`,
//! `real_scale_*`). The plain form is kept as the tests' oracle
//! (`swap/naive.rs`): both choose the same set.

use std::collections::{BinaryHeap, HashMap};

use super::{Advice, OrgUse};
use crate::domain::{Id, IdHasher, OrgLicense};

mod descent;
#[cfg(test)]
mod naive;

use descent::Descent;

/// Up to this many candidates the optimum is found by trying every set.
pub const EXACT_CANDIDATES: usize = 16;

/// Passes of single add/remove moves after the heuristic's descent.
const LOCAL_ROUNDS: usize = 8;

/// A set of members to move to Org Pro and what it saves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SwapPlan {
    /// Sorted by id.
    pub users: Vec<Id>,
    /// `event_pro.max_used` now.
    pub event_pro_from: u32,
    /// The most slot holders on one event once `users` hold Org Pro.
    pub event_pro_to: u32,
    /// Needed cost now − needed cost after; positive.
    pub saving: u64,
}

impl SwapPlan {
    pub(super) fn advice(&self) -> Advice {
        let who = super::names(self.users.iter(), self.users.len());
        Advice::OrgProSwap {
            message: format!(
                "Giving Org Pro to {} releases their Event Pro slots: the busiest event would need {} slots instead of {}, saving {} per period in total.",
                who,
                self.event_pro_to,
                self.event_pro_from,
                self.saving
            ),
            users: self.users.clone(),
            event_pro_from: self.event_pro_from,
            event_pro_to: self.event_pro_to,
            saving: self.saving,
        }
    }
}

/// An event that can decide `after`.
#[derive(Clone, Debug)]
struct Busy {
    holders: u32,
    /// Indices (into `Problem::candidates`) of the candidates holding a slot.
    candidates: Vec<usize>,
}

/// The swap search, reduced to numbers.
#[derive(Clone, Debug)]
pub(super) struct Problem {
    /// Sorted by id: index order is id order.
    candidates: Vec<Id>,
    /// Per candidate, the org-seat part of the saving of moving them.
    gain: Vec<i128>,
    /// Events with more than `floor` holders.
    events: Vec<Busy>,
    /// `after(S) >= floor` for every `S`.
    floor: u32,
    max_used: u32,
    event_pro_price: i128,
}

impl Problem {
    pub(super) fn new(org: &OrgUse) -> Problem {
        // Members without Org Pro by their place in id order (the map's
        // order), found by hash: holders are looked up once each, and the
        // candidates come out sorted without sorting ids.
        let mut place: HashMap<&Id, usize, IdHasher> =
            HashMap::with_capacity_and_hasher(org.members.len(), IdHasher::default());
        place.extend(
            org.members
                .iter()
                .enumerate()
                .filter(|(_, (_, l))| **l != Some(OrgLicense::OrgPro))
                .map(|(i, (u, _))| (u, i)),
        );
        let mut holds = vec![false; org.members.len()];
        let places: Vec<Vec<usize>> = org
            .events
            .iter()
            .map(|e| {
                let mine: Vec<usize> = e
                    .holders
                    .iter()
                    .filter_map(|u| place.get(u).copied())
                    .collect();
                for &p in &mine {
                    if let Some(h) = holds.get_mut(p) {
                        *h = true;
                    }
                }
                mine
            })
            .collect();
        // Candidate index of each place (usize::MAX: not a candidate).
        let mut index = vec![usize::MAX; org.members.len()];
        let mut candidates = Vec::new();
        let mut gain = Vec::new();
        for ((p, (user, license)), _) in org
            .members
            .iter()
            .enumerate()
            .zip(&holds)
            .filter(|(_, h)| **h)
        {
            if let Some(i) = index.get_mut(p) {
                *i = candidates.len();
            }
            candidates.push(user.clone());
            let standard = *license == Some(OrgLicense::OrgStandard);
            gain.push(
                i128::from(if standard { org.prices.org_standard } else { 0 })
                    - i128::from(org.prices.org_pro),
            );
        }
        let mut events: Vec<Busy> = org
            .events
            .iter()
            .zip(places)
            .map(|(e, places)| {
                let mut mine: Vec<usize> = places
                    .into_iter()
                    .filter_map(|p| index.get(p).copied())
                    .collect();
                mine.sort_unstable();
                mine.dedup();
                Busy {
                    holders: super::count(e.holders.len()),
                    candidates: mine,
                }
            })
            .collect();
        let max_used = events.iter().map(|e| e.holders).max().unwrap_or(0);
        let floor = events
            .iter()
            .map(|e| e.holders.saturating_sub(super::count(e.candidates.len())))
            .max()
            .unwrap_or(0);
        events.retain(|e| e.holders > floor);
        Problem {
            candidates,
            gain,
            events,
            floor,
            max_used,
            event_pro_price: i128::from(org.prices.event_pro),
        }
    }

    pub(super) fn solve(&self) -> Option<SwapPlan> {
        if self.bound() <= 0 {
            // No set saves anything: the usual case when Org Pro costs
            // more than the Event Pro slots a member could free.
            return None;
        }
        let chosen = if self.candidates.len() <= EXACT_CANDIDATES {
            self.exact()
        } else {
            self.heuristic()
        };
        self.plan(&chosen)
    }

    /// The plan for moving these candidates (sorted indices), if it saves.
    pub(super) fn plan(&self, chosen: &[usize]) -> Option<SwapPlan> {
        let (saving, after) = self.score(chosen);
        if saving <= 0 {
            return None;
        }
        Some(SwapPlan {
            users: chosen
                .iter()
                .filter_map(|&c| self.candidates.get(c).cloned())
                .collect(),
            event_pro_from: self.max_used,
            event_pro_to: after,
            saving: u64::try_from(saving).unwrap_or(u64::MAX),
        })
    }

    /// Saving and Event Pro count after moving `chosen`, from scratch.
    fn score(&self, chosen: &[usize]) -> (i128, u32) {
        let mut left: Vec<u32> = self.events.iter().map(|e| e.holders).collect();
        for (e, l) in self.events.iter().zip(left.iter_mut()) {
            let moved = e
                .candidates
                .iter()
                .filter(|c| chosen.binary_search(c).is_ok())
                .count();
            *l = l.saturating_sub(super::count(moved));
        }
        let after = self.after(&left);
        (
            self.saving(self.gain_of(chosen.iter().copied()), after),
            after,
        )
    }

    fn gain_of(&self, chosen: impl Iterator<Item = usize>) -> i128 {
        chosen.filter_map(|c| self.gain.get(c)).sum()
    }

    fn after(&self, left: &[u32]) -> u32 {
        left.iter().copied().max().unwrap_or(0).max(self.floor)
    }

    fn saving(&self, gain: i128, after: u32) -> i128 {
        gain + self.event_pro_price * i128::from(self.max_used.saturating_sub(after))
    }

    /// The best set, trying every subset (at most [`EXACT_CANDIDATES`]).
    pub(super) fn exact(&self) -> Vec<usize> {
        let k = self.candidates.len().min(EXACT_CANDIDATES);
        // Events as (holders, candidate bitmask), merged by mask, fullest
        // first so the scan meets a high `after` early.
        let mut events: Vec<(u32, u32)> = self
            .events
            .iter()
            .map(|e| {
                let mask = e.candidates.iter().fold(0u32, |m, &c| m | (1 << c));
                (e.holders, mask)
            })
            .collect();
        events.sort_unstable_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)));
        events.dedup_by_key(|e| e.1);
        events.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        // The org-seat gain of a mask, from two tables of 8 bits each.
        let table = |shift: usize| -> Vec<i128> {
            (0..256usize)
                .map(|bits| {
                    self.gain_of((0..8).filter(|b| bits & (1 << b) != 0).map(|b| b + shift))
                })
                .collect()
        };
        let (low, high) = (table(0), table(8));
        let gain = |s: u32| {
            low.get((s & 0xff) as usize).copied().unwrap_or(0)
                + high.get((s >> 8) as usize).copied().unwrap_or(0)
        };
        let pe = self.event_pro_price;
        let max_used = i128::from(self.max_used);
        let reach = self.saving(0, self.floor);
        let (mut best, mut best_set) = (0i128, 0u32);
        for s in 1..(1u32 << k) {
            let g = gain(s);
            if g + reach < best {
                continue;
            }
            // `after` may be at most `limit` for `s` to reach `best`.
            let limit = if pe == 0 {
                i128::MAX
            } else {
                max_used + (g - best).div_euclid(pe)
            };
            let mut after = self.floor;
            for &(holders, mask) in &events {
                let left = holders.saturating_sub((s & mask).count_ones());
                if left > after {
                    after = left;
                    if i128::from(after) > limit {
                        break;
                    }
                }
            }
            if i128::from(after) > limit {
                continue;
            }
            let saving = self.saving(g, after);
            if saving > best || (saving == best && mask_first(s, best_set)) {
                (best, best_set) = (saving, s);
            }
        }
        (0..k).filter(|c| best_set & (1 << c) != 0).collect()
    }

    /// A good set for many candidates (see the module doc).
    pub(super) fn heuristic(&self) -> Vec<usize> {
        let mut state = Descent::new(self);
        let (saving, picked) = state.descend();
        state.reset_to(&picked);
        state.improve(saving)
    }

    /// No set of moves saves more than this: lowering `after` by `d` moves
    /// at least `d` candidates (each frees at most one slot per event), so
    /// `saving(S) ≤ max over d of price(event_pro) × d + the largest gain
    /// of `d` or more candidates`, with `d` up to `max_used − floor`.
    pub(super) fn bound(&self) -> i128 {
        let mut gains = self.gain.clone();
        gains.sort_unstable_by(|a, b| b.cmp(a));
        let positive = gains.iter().take_while(|g| **g > 0).count();
        let levels = usize::try_from(self.max_used.saturating_sub(self.floor))
            .unwrap_or(usize::MAX)
            .min(gains.len());
        let mut prefix = Vec::with_capacity(gains.len() + 1);
        let mut sum = 0i128;
        prefix.push(sum);
        for g in &gains {
            sum += g;
            prefix.push(sum);
        }
        (0..=levels)
            .map(|d| {
                let moved = prefix.get(d.max(positive)).copied().unwrap_or(sum);
                self.event_pro_price * i128::try_from(d).unwrap_or(i128::MAX) + moved
            })
            .max()
            .unwrap_or(0)
    }
}

/// The tie-break (module doc) on bitmasks of the same saving: fewer
/// members, then the set holding the lowest index where they differ.
fn mask_first(a: u32, b: u32) -> bool {
    let (na, nb) = (a.count_ones(), b.count_ones());
    na < nb || (na == nb && a != b && a & (a ^ b) & (a ^ b).wrapping_neg() != 0)
}
