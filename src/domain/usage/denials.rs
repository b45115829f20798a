//! The `denied_by_license` counters of one event: how often each user was
//! refused with `no_license` or `outside_license` since the server started.

use super::super::{Decision, Id, IdMap, Reason};

/// The most users an event counts refusals for.
pub const MAX_DENIED_COUNTED: usize = 1_000;

/// Refusals per user, in memory only, bounded to [`MAX_DENIED_COUNTED`]
/// users. A refusal of a user already counted is one hash lookup and an
/// add. When the map is full, a new user first makes room: the less
/// refused half of the counted users is forgotten (those at or below the
/// median count), so the users refused most stay, and the cost of making
/// room, one pass over the map, is shared by the half of the map's worth
/// of new users it admits.
#[derive(Clone, Debug, Default)]
pub struct Denials {
    counts: IdMap<u64>,
}

impl Denials {
    /// Counts `decision` if it refuses `user` for want of a license
    /// (`no_license`, `outside_license`); any other answer costs one
    /// comparison.
    #[inline]
    pub fn record(&mut self, user: &Id, decision: &Decision) {
        if matches!(decision.reason, Reason::NoLicense | Reason::OutsideLicense) {
            self.count(user);
        }
    }

    /// Counts one refusal of `user`.
    pub fn count(&mut self, user: &Id) {
        if let Some(n) = self.counts.get_mut(user) {
            *n = n.saturating_add(1);
            return;
        }
        if self.counts.len() >= MAX_DENIED_COUNTED {
            self.make_room();
        }
        self.counts.insert(user.clone(), 1);
    }

    /// Forgets the users refused at most as often as the median.
    fn make_room(&mut self) {
        let mut counts: Vec<u64> = self.counts.values().copied().collect();
        let middle = counts.len() / 2;
        let (_, median, _) = counts.select_nth_unstable(middle);
        let median = *median;
        self.counts.retain(|_, n| *n > median);
    }

    /// Every counted user and their refusals, in no order.
    pub fn counts(&self) -> Vec<(Id, u64)> {
        self.counts.iter().map(|(u, n)| (u.clone(), *n)).collect()
    }

    pub fn len(&self) -> usize {
        self.counts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> Id {
        Id::parse(s).unwrap()
    }

    #[test]
    fn counts_each_user_and_stays_bounded_keeping_the_most_refused() {
        let mut d = Denials::default();
        for _ in 0..5 {
            d.count(&id("often"));
        }
        d.count(&id("once"));
        let mut counts = d.counts();
        counts.sort();
        assert_eq!(counts, vec![(id("often"), 5), (id("once"), 1)]);
        for i in 0..3 * MAX_DENIED_COUNTED {
            d.count(&id(&format!("u{i}")));
            assert!(d.len() <= MAX_DENIED_COUNTED);
        }
        assert!(d.counts().contains(&(id("often"), 5)));
    }
}
