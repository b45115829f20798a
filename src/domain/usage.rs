//! What an org uses and what it needs (SPEC §1 "Figuring out what you
//! need"): the content of `GET /v1/orgs/{org}/usage`, computed from a
//! plain description of the org ([`OrgUse`]) with no actor, HTTP, I/O or
//! clock, so the same function answers `/usage` and the copy a what-if
//! builds.
//!
//! # Decisions where SPEC is silent
//!
//! - **Counts.** `org_standard.used` / `org_pro.used` count the members
//!   holding that license. `event_pro.max_used` is the most slot holders on
//!   one event now (0 with no events). A personal org passes no members:
//!   its owner holds no org license, so it is never a swap candidate.
//! - **Peaks.** An event's `peak` is the larger of the peak it remembers
//!   and its slots in use now (so a peak is never below the use shown).
//!   The pool's `peak` is the largest peak of the org's events; a deleted
//!   event takes its peak with it.
//! - **`at_capacity`**: `slots_used >= event_pro` bought: no further slot
//!   can be claimed on the event (also when `event_pro` was lowered to 0).
//! - **`cost`.** `current` = Σ bought × price over the three pools;
//!   `needed` = (`org_standard.used`, `org_pro.used`, `event_pro.max_used`)
//!   × prices: the smallest pools the org could buy and keep everything in
//!   use now. Both saturate at `u64::MAX` (the edge should bound prices,
//!   e.g. at 10⁹, so costs stay exact in a JSON number: 3 × 10⁶ × 10⁹ <
//!   2⁵³).
//! - **`lower_pool`** is given for every pool bought above its use, even
//!   with that pool's price at 0 (`saving` is then 0): seats nobody uses are
//!   worth knowing about before prices are entered.
//! - **`org_pro_swap`** is given only when its `saving` is positive, which
//!   needs prices (with every price 0 nothing saves anything). Among sets
//!   with the same saving the smaller wins, then the one whose sorted user
//!   list comes first. See [`swap`] for the search.
//! - **Order of the advice**: `lower_pool` (Org Standard, Org Pro, Event
//!   Pro), `org_pro_swap`, then `needs_slot`, `idle_grants` and
//!   `denied_by_license`, each by event id. A list (`users`) is sorted by
//!   user id, except `denied_by_license`'s: most refused first, then by
//!   user id, at most [`MAX_DENIED_SHOWN`]. An event whose list is empty
//!   gives no item.
//! - Events are listed by id.

mod denials;
mod swap;
#[cfg(test)]
mod tests;
mod what_if;

use std::collections::BTreeMap;

use serde::Serialize;

pub use super::Prices;
use super::{Id, OrgLicense, Pools};

pub use denials::{Denials, MAX_DENIED_COUNTED};
pub use swap::{SwapPlan, EXACT_CANDIDATES};
pub use what_if::{org_use, what_if, EventCopy, LostAccess, Proposal, WhatIf};

/// The most users a `denied_by_license` item lists (SPEC: at most 20).
pub const MAX_DENIED_SHOWN: usize = 20;

/// Everything the usage answer is computed from.
#[derive(Clone, Debug, Default)]
pub struct OrgUse {
    /// The counts bought.
    pub pools: Pools,
    pub prices: Prices,
    /// Team members and the org license each holds (none for a personal
    /// org).
    pub members: BTreeMap<Id, Option<OrgLicense>>,
    pub events: Vec<EventUse>,
}

/// One event's part of [`OrgUse`], as its event actor knows it.
#[derive(Clone, Debug)]
pub struct EventUse {
    pub id: Id,
    /// The users holding a slot now (unexpired), each once.
    pub holders: Vec<Id>,
    /// The most slots ever in use at once on this event.
    pub peak: u32,
    /// Users attached to two or more collaborators with no slot or Org Pro.
    pub needs_slot: Vec<Id>,
    /// Users with grants on the event (or org-wide) but no license there.
    pub idle_grants: Vec<Id>,
    /// `no_license` and `outside_license` answers per user since start.
    pub denied_by_license: Vec<(Id, u64)>,
}

/// The usage answer's content (SPEC §2 `GET /usage`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Usage {
    pub pools: PoolsUsage,
    pub events: Vec<EventUsage>,
    pub prices: Prices,
    pub cost: Cost,
    pub advice: Vec<Advice>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct PoolsUsage {
    pub org_standard: PoolUsage,
    pub org_pro: PoolUsage,
    pub event_pro: EventProUsage,
}

/// An org pool: seats bought and seats held.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct PoolUsage {
    pub total: u32,
    pub used: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct EventProUsage {
    /// Slots on every event.
    pub total: u32,
    /// The most slots in use on one event now.
    pub max_used: u32,
    /// The most slots ever in use at once on one event.
    pub peak: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EventUsage {
    pub event: Id,
    pub slots_used: u32,
    pub peak: u32,
    pub at_capacity: bool,
}

/// Prices of the pools bought and of the smallest pools covering use now.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Cost {
    pub current: u64,
    pub needed: u64,
}

/// One of the three pools.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Pool {
    OrgStandard,
    OrgPro,
    EventPro,
}

impl std::fmt::Display for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Pool::OrgStandard => "Org Standard",
            Pool::OrgPro => "Org Pro",
            Pool::EventPro => "Event Pro",
        })
    }
}

/// One piece of advice: `{"kind", "message", ...details}` on the wire.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Advice {
    LowerPool {
        message: String,
        pool: Pool,
        from: u32,
        to: u32,
        saving: u64,
    },
    OrgProSwap {
        message: String,
        users: Vec<Id>,
        event_pro_from: u32,
        event_pro_to: u32,
        saving: u64,
    },
    NeedsSlot {
        message: String,
        event: Id,
        users: Vec<Id>,
    },
    IdleGrants {
        message: String,
        event: Id,
        users: Vec<Id>,
    },
    DeniedByLicense {
        message: String,
        event: Id,
        users: Vec<Denied>,
    },
}

/// A user refused for want of a license, and how often.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Denied {
    pub user: Id,
    pub count: u64,
}

/// Pool counts covering some use, to price them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Seats {
    pub org_standard: u64,
    pub org_pro: u64,
    pub event_pro: u64,
}

impl Prices {
    /// The price of these seats, saturating.
    pub(crate) fn of(&self, seats: Seats) -> u64 {
        seats
            .org_standard
            .saturating_mul(self.org_standard)
            .saturating_add(seats.org_pro.saturating_mul(self.org_pro))
            .saturating_add(seats.event_pro.saturating_mul(self.event_pro))
    }
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl OrgUse {
    /// The usage answer: pools, events, prices, costs and advice.
    pub fn usage(&self) -> Usage {
        let held = |license| {
            count(
                self.members
                    .values()
                    .filter(|l| **l == Some(license))
                    .count(),
            )
        };
        let total = self.pools.event_pro;
        let mut events: Vec<EventUsage> = self
            .events
            .iter()
            .map(|e| {
                let slots_used = count(e.holders.len());
                EventUsage {
                    event: e.id.clone(),
                    slots_used,
                    peak: e.peak.max(slots_used),
                    at_capacity: slots_used >= total,
                }
            })
            .collect();
        events.sort_by(|a, b| a.event.cmp(&b.event));
        let max_used = events.iter().map(|e| e.slots_used).max().unwrap_or(0);
        let pools = PoolsUsage {
            org_standard: PoolUsage {
                total: self.pools.org_standard,
                used: held(OrgLicense::OrgStandard),
            },
            org_pro: PoolUsage {
                total: self.pools.org_pro,
                used: held(OrgLicense::OrgPro),
            },
            event_pro: EventProUsage {
                total,
                max_used,
                peak: events.iter().map(|e| e.peak).max().unwrap_or(0),
            },
        };
        let cost = Cost {
            current: self.prices.of(Seats {
                org_standard: self.pools.org_standard.into(),
                org_pro: self.pools.org_pro.into(),
                event_pro: total.into(),
            }),
            needed: self.prices.of(Seats {
                org_standard: pools.org_standard.used.into(),
                org_pro: pools.org_pro.used.into(),
                event_pro: max_used.into(),
            }),
        };
        let mut advice = self.lower_pool(&pools);
        if let Some(plan) = self.swap_plan() {
            advice.push(plan.advice());
        }
        advice.extend(self.event_advice());
        Usage {
            pools,
            events,
            prices: self.prices,
            cost,
            advice,
        }
    }

    /// The best set of members to give Org Pro, if one saves anything.
    pub fn swap_plan(&self) -> Option<SwapPlan> {
        swap::Problem::new(self).solve()
    }

    fn lower_pool(&self, pools: &PoolsUsage) -> Vec<Advice> {
        [
            (
                Pool::OrgStandard,
                pools.org_standard.total,
                pools.org_standard.used,
                self.prices.org_standard,
            ),
            (
                Pool::OrgPro,
                pools.org_pro.total,
                pools.org_pro.used,
                self.prices.org_pro,
            ),
            (
                Pool::EventPro,
                pools.event_pro.total,
                pools.event_pro.max_used,
                self.prices.event_pro,
            ),
        ]
        .into_iter()
        .filter(|(_, from, to, _)| from > to)
        .map(|(pool, from, to, price)| {
            let saving = u64::from(from - to).saturating_mul(price);
            let use_ = match pool {
                Pool::EventPro => format!("at most {to} in use on any one event"),
                _ => format!("{to} held by members"),
            };
            Advice::LowerPool {
                message: format!(
                    "{pool}: {from} bought, {use_}; buying {to} would save {saving} per period."
                ),
                pool,
                from,
                to,
                saving,
            }
        })
        .collect()
    }

    fn event_advice(&self) -> Vec<Advice> {
        let mut events: Vec<&EventUse> = self.events.iter().collect();
        events.sort_by(|a, b| a.id.cmp(&b.id));
        let mut advice = Vec::new();
        let lists: [(UserList, Advise); 2] = [
            (|e| &e.needs_slot, needs_slot),
            (|e| &e.idle_grants, idle_grants),
        ];
        for (list, advise) in lists {
            for e in &events {
                let users = sorted(list(e));
                if !users.is_empty() {
                    advice.push(advise(&e.id, users));
                }
            }
        }
        for e in &events {
            let users = most_denied(&e.denied_by_license);
            if !users.is_empty() {
                let refusals: u64 = users.iter().map(|d| d.count).fold(0, u64::saturating_add);
                advice.push(Advice::DeniedByLicense {
                    message: format!(
                        "On {}, {} refused {refusals} time{} for want of a license: they may need one.",
                        e.id,
                        people_of(users.iter().map(|d| &d.user), users.len(), "was", "were"),
                        if refusals == 1 { "" } else { "s" }
                    ),
                    event: e.id.clone(),
                    users,
                });
            }
        }
        advice
    }
}

/// One of an event's lists of users, and the advice made of it.
type UserList = fn(&EventUse) -> &[Id];
type Advise = fn(&Id, Vec<Id>) -> Advice;

fn needs_slot(event: &Id, users: Vec<Id>) -> Advice {
    Advice::NeedsSlot {
        message: format!(
            "On {event}, {} attached to two or more collaborators without a slot or Org Pro, so no license there: give them a slot, or detach them down to one collaborator.",
            people(&users, "is", "are")
        ),
        event: event.clone(),
        users,
    }
}

fn idle_grants(event: &Id, users: Vec<Id>) -> Advice {
    Advice::IdleGrants {
        message: format!(
            "On {event}, {} grants but no license there: those grants count for nothing.",
            people(&users, "has", "have")
        ),
        event: event.clone(),
        users,
    }
}

fn sorted(users: &[Id]) -> Vec<Id> {
    let mut users = users.to_vec();
    users.sort();
    users.dedup();
    users
}

/// Most refused first, then by user id; at most [`MAX_DENIED_SHOWN`].
fn most_denied(counts: &[(Id, u64)]) -> Vec<Denied> {
    // An event keeps up to 1,000 counters: select the first 20 by
    // reference, sort those, and copy only them.
    let mut users: Vec<&(Id, u64)> = counts.iter().filter(|(_, n)| *n > 0).collect();
    let order = |a: &&(Id, u64), b: &&(Id, u64)| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0));
    if users.len() > MAX_DENIED_SHOWN {
        users.select_nth_unstable_by(MAX_DENIED_SHOWN, order);
        users.truncate(MAX_DENIED_SHOWN);
    }
    users.sort_by(order);
    users
        .into_iter()
        .map(|(user, count)| Denied {
            user: user.clone(),
            count: *count,
        })
        .collect()
}

/// "u1 is", "u1 and u2 are", "u1, u2 and 3 others are".
fn people(users: &[Id], one: &str, many: &str) -> String {
    people_of(users.iter(), users.len(), one, many)
}

fn people_of<'a>(users: impl Iterator<Item = &'a Id>, n: usize, one: &str, many: &str) -> String {
    format!("{} {}", names(users, n), if n == 1 { one } else { many })
}

/// "u1", "u1 and u2", "u1, u2 and u3", "u1, u2 and 3 others".
fn names<'a>(users: impl Iterator<Item = &'a Id>, n: usize) -> String {
    let mut named: Vec<String> = users.take(3).map(Id::to_string).collect();
    if n > 3 {
        named.truncate(2);
        named.push(format!("{} others", n - 2));
    }
    match named.pop() {
        None => String::new(),
        Some(last) if named.is_empty() => last,
        Some(last) => format!("{} and {last}", named.join(", ")),
    }
}
