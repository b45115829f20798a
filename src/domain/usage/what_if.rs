//! What proposed changes would do (SPEC §1 "What-if"), computed on copies
//! of the org and its events with the same `plan_*` and `apply` functions
//! the real writes use, so no rule is written twice.

use std::sync::Arc;

use super::super::{
    Error, Event, EventEffect, Id, InUse, License, Org, OrgLicense, PoolsChange, PricesChange,
    Timestamp,
};
use super::{EventUse, OrgUse, Usage};

/// The changes a what-if proposes, in the order they are tried.
#[derive(Clone, Debug, Default)]
pub struct Proposal {
    /// `PUT /licenses`, when given.
    pub licenses: Option<(PoolsChange, PricesChange)>,
    /// `PUT /members/{user}` for each, in this order.
    pub members: Vec<(Id, Option<OrgLicense>)>,
    /// `DELETE /events/{event}/slots/{user}` for each, in this order.
    pub release_slots: Vec<(Id, Id)>,
}

/// One event's copy: its id, state and refusal counters.
#[derive(Clone, Debug)]
pub struct EventCopy {
    pub id: Id,
    pub event: Event,
    pub denied_by_license: Vec<(Id, u64)>,
}

/// A user whose license on an event would fall.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LostAccess {
    pub event: Id,
    pub user: Id,
    pub license_before: Option<License>,
    pub license_after: Option<License>,
}

/// The answer: what the real writes would be refused with, in order, who
/// would lose a license where, and the usage of the changed copy.
#[derive(Clone, Debug)]
pub struct WhatIf {
    pub errors: Vec<Error>,
    pub lose_access: Vec<LostAccess>,
    pub usage: Usage,
}

impl WhatIf {
    /// Whether every proposed write would be accepted.
    pub fn allowed(&self) -> bool {
        self.errors.is_empty()
    }
}

/// The org's usage from its state and its events' parts.
pub fn org_use(org: &Org, events: Vec<EventUse>) -> OrgUse {
    OrgUse {
        pools: org.pools(),
        prices: org.prices(),
        members: org.member_licenses().clone(),
        events,
    }
}

/// Applies `proposal` to the copies `org` and `events`: licenses, then
/// members, then slot releases, each as its real write would be made (a
/// refused one changes nothing and is listed in `errors`), at `now`
/// (what has expired by then counts for nothing).
pub fn what_if(
    mut org: Org,
    mut events: Vec<EventCopy>,
    proposal: Proposal,
    now: Timestamp,
) -> WhatIf {
    events.sort_by(|a, b| a.id.cmp(&b.id));
    let before: Vec<Vec<(Id, Option<License>)>> = events
        .iter()
        .map(|e| {
            e.event
                .licensed_users(now)
                .into_iter()
                .map(|u| {
                    let l = e.event.license_of(&u, now);
                    (u, l)
                })
                .collect()
        })
        .collect();
    let mut errors = Vec::new();
    if let Some((pools, prices)) = proposal.licenses {
        if let Err(e) = set_licenses(&mut org, &mut events, pools, prices, now) {
            errors.push(e);
        }
    }
    for (user, license) in proposal.members {
        if let Err(e) = set_member(&mut org, &mut events, &user, license) {
            errors.push(e);
        }
    }
    for (event, user) in proposal.release_slots {
        let Some(copy) = events.iter_mut().find(|e| e.id == event) else {
            errors.push(Error::EventNotFound);
            continue;
        };
        match copy.event.plan_release_slot(&user, now) {
            Ok(effect) => copy.event.apply(&effect),
            Err(e) => errors.push(e),
        }
    }
    let mut lose_access = Vec::new();
    for (copy, users) in events.iter().zip(before) {
        for (user, license_before) in users {
            let license_after = copy.event.license_of(&user, now);
            if lost(license_before, license_after) {
                lose_access.push(LostAccess {
                    event: copy.id.clone(),
                    user,
                    license_before,
                    license_after,
                });
            }
        }
    }
    let uses = events
        .into_iter()
        .map(|c| c.event.usage(c.id, c.denied_by_license, now))
        .collect();
    WhatIf {
        errors,
        lose_access,
        usage: org_use(&org, uses).usage(),
    }
}

/// Whether going from `before` to `after` on an event is a loss: from
/// Org Pro or Event Pro to collaborator or nothing, or from collaborator
/// to nothing (Org Pro ↔ Event Pro is none).
fn lost(before: Option<License>, after: Option<License>) -> bool {
    let rank = |l: Option<License>| match l {
        Some(License::OrgPro | License::EventPro | License::Owner) => 2,
        Some(License::Collaborator) => 1,
        Some(License::OrgStandard) | None => 0,
    };
    rank(after) < rank(before)
}

/// Every event's copy learns the org's view, as the org actor tells them.
fn publish(org: &Org, events: &mut [EventCopy]) {
    let view = Arc::new(org.view());
    for e in events {
        e.event.set_org_view(view.clone());
    }
}

/// `PUT /licenses`: the org's own rules, then every event must fit a lower
/// Event Pro count (`licenses_in_use` lists those that do not).
fn set_licenses(
    org: &mut Org,
    events: &mut [EventCopy],
    pools: PoolsChange,
    prices: PricesChange,
    now: Timestamp,
) -> Result<(), Error> {
    let (pools, prices) = org.plan_licenses(pools, prices)?;
    let blocked: Vec<(Id, u32)> = events
        .iter()
        .filter(|e| !e.event.fits(pools.event_pro, now))
        .map(|e| (e.id.clone(), e.event.slots_used(now)))
        .collect();
    if !blocked.is_empty() {
        return Err(Error::LicensesInUse(InUse::Events(blocked)));
    }
    org.apply(&super::super::OrgEffect::LicensesSet { pools, prices });
    publish(org, events);
    Ok(())
}

/// `PUT /members/{user}`: given Org Pro, the member's slots are released on
/// every event.
fn set_member(
    org: &mut Org,
    events: &mut [EventCopy],
    user: &Id,
    license: Option<OrgLicense>,
) -> Result<(), Error> {
    let plan = org.plan_member(user, license)?;
    let Some(effect) = plan.effect else {
        return Ok(());
    };
    org.apply(&effect);
    if plan.becomes_org_pro {
        for e in events.iter_mut() {
            e.event
                .apply(&EventEffect::OrgProGiven { user: user.clone() });
        }
    }
    publish(org, events);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Timestamp;
    use crate::domain::{OrgEffect, OrgKind, Pools, Prices};

    /// The instant the rules are asked at, where nothing expires.
    const NOW: Timestamp = Timestamp::from_secs(1_000_000);

    fn id(s: &str) -> Id {
        Id::parse(s).unwrap()
    }

    #[test]
    fn a_loss_is_a_fall_to_collaborator_or_none_and_org_pro_to_event_pro_is_none() {
        use License::{Collaborator, EventPro, OrgPro};
        let falls = [
            (Some(OrgPro), None),
            (Some(OrgPro), Some(Collaborator)),
            (Some(EventPro), None),
            (Some(EventPro), Some(Collaborator)),
            (Some(Collaborator), None),
        ];
        for (before, after) in falls {
            assert!(lost(before, after), "{before:?} → {after:?}");
        }
        let kept = [
            (Some(OrgPro), Some(EventPro)),
            (Some(EventPro), Some(OrgPro)),
            (Some(Collaborator), Some(EventPro)),
            (None, None),
            (Some(EventPro), Some(EventPro)),
        ];
        for (before, after) in kept {
            assert!(!lost(before, after), "{before:?} → {after:?}");
        }
    }

    /// An org with Event Pro 2, one Org Pro seat, member `p` (Org Standard)
    /// and `q` holding the slots of event `e`.
    fn org_and_event() -> (Org, Vec<EventCopy>) {
        let mut org = Org::new(OrgKind::Team);
        org.apply(&OrgEffect::LicensesSet {
            pools: Pools {
                org_standard: 1,
                org_pro: 1,
                event_pro: 2,
            },
            prices: Prices::default(),
        });
        org.apply(&OrgEffect::MemberSet {
            user: id("p"),
            license: Some(OrgLicense::OrgStandard),
        });
        let mut event = Event::new(None, Arc::new(org.view()));
        for u in ["p", "q"] {
            event.apply(&EventEffect::SlotAssigned { user: id(u) });
        }
        let copy = EventCopy {
            id: id("e"),
            event,
            denied_by_license: Vec::new(),
        };
        (org, vec![copy])
    }

    #[test]
    fn each_step_is_tried_as_its_write_and_a_refused_one_changes_nothing() {
        let (org, events) = org_and_event();
        let answer = what_if(
            org,
            events,
            Proposal {
                licenses: Some((
                    PoolsChange {
                        event_pro: Some(1),
                        ..PoolsChange::default()
                    },
                    PricesChange::default(),
                )),
                members: vec![(id("p"), Some(OrgLicense::OrgPro))],
                release_slots: vec![(id("e"), id("q")), (id("e"), id("q"))],
            },
            NOW,
        );
        assert_eq!(
            answer.errors,
            vec![
                Error::LicensesInUse(InUse::Events(vec![(id("e"), 2)])),
                Error::SlotNotFound(id("q")),
            ]
        );
        // p moved to Org Pro (no loss, their slot freed), q lost the slot.
        assert_eq!(
            answer.lose_access,
            vec![LostAccess {
                event: id("e"),
                user: id("q"),
                license_before: Some(License::EventPro),
                license_after: None,
            }]
        );
        assert_eq!(answer.usage.pools.event_pro.total, 2);
        assert_eq!(answer.usage.pools.event_pro.max_used, 0);
        assert_eq!(answer.usage.pools.org_pro.used, 1);
        assert!(!answer.allowed());
    }
}
