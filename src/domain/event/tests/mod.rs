//! Unit tests for the event rules of SPEC §1: slots, collaborators, areas,
//! free collaborator attachments, grants, the check and the user view.

use super::*;
use crate::domain::{CollaboratorView, Decision, Domain, License, ModulesChange, Reason};
use crate::domain::{Module, Timestamp};
use Permission::*;

/// The instant the rules are asked at, where nothing expires.
const NOW: Timestamp = Timestamp::from_secs(1_000_000);

fn id(s: &str) -> Id {
    Id::parse(s).unwrap()
}

fn view(slot_total: u32, org_pro: &[&str]) -> Arc<OrgView> {
    Arc::new(OrgView {
        slot_total,
        org_pro: org_pro.iter().map(|u| id(u)).collect(),
        ..Default::default()
    })
}

/// An event whose org has `slot_total` Event Pro licenses and the given
/// Org Pro holders.
fn event(slot_total: u32, org_pro: &[&str]) -> Event {
    Event::new(Some("Festival".into()), view(slot_total, org_pro))
}

fn c(name: &str) -> Scope {
    Scope::Collaborator(id(name))
}

fn a(name: &str) -> Scope {
    Scope::Area(id(name))
}

fn grant_of(p: Permission, scope: Scope) -> Grant {
    Grant::new(p, scope).unwrap()
}

/// Applies a `Put`'s effect, if any, and returns whether it created the thing.
fn apply_put(e: &mut Event, put: Put) -> bool {
    if let Some(effect) = &put.effect {
        e.apply(effect);
    }
    put.created
}

fn add_collaborator(e: &mut Event, name: &str) {
    let put = e.plan_put_collaborator(&id(name), None);
    apply_put(e, put);
}

fn add_area(e: &mut Event, name: &str) {
    let put = e.plan_put_area(&id(name), None);
    apply_put(e, put);
}

fn assign(e: &mut Event, user: &str) -> Result<bool, Error> {
    let put = e.plan_assign_slot(&id(user), None, NOW)?;
    Ok(apply_put(e, put))
}

fn attach(
    e: &mut Event,
    collaborator: &str,
    user: &str,
    permissions: Option<Vec<Permission>>,
) -> Result<bool, Error> {
    let put = e.plan_attach(&id(collaborator), &id(user), permissions, None, NOW)?;
    Ok(apply_put(e, put))
}

/// Attaches `user` to several collaborators as a slot holder would, then
/// releases the slot: what a user who lost their slot is left with.
fn attach_to_several(e: &mut Event, user: &str, to: &[(&str, Option<Vec<Permission>>)]) {
    assign(e, user).unwrap();
    for (collaborator, permissions) in to {
        attach(e, collaborator, user, permissions.clone()).unwrap();
    }
    let effect = e.plan_release_slot(&id(user), NOW).unwrap();
    e.apply(&effect);
}

fn grant(e: &mut Event, user: &str, p: Permission, scope: Scope) {
    let put = e
        .plan_grant(&id(user), grant_of(p, scope), None, NOW)
        .unwrap();
    apply_put(e, put);
}

fn check(e: &Event, user: &str, p: Permission, scope: &Scope) -> Decision {
    e.check(&id(user), p, scope, NOW).unwrap()
}

/// The grants of a user view without their expiries.
fn plain(grants: &[(Grant, Option<Timestamp>)]) -> Vec<Grant> {
    grants.iter().map(|(g, _)| g.clone()).collect()
}

fn reason(e: &Event, user: &str, p: Permission, scope: &Scope) -> Reason {
    check(e, user, p, scope).reason
}

fn collaborator_permissions() -> impl Iterator<Item = Permission> {
    Permission::ALL
        .iter()
        .copied()
        .filter(|p| p.domain() == Domain::Collaborator)
}

/// Every permission with a scope of its domain on this event: the event,
/// collaborator `c` and area `a` (both must exist).
fn every_query() -> Vec<(Permission, Scope)> {
    Permission::ALL
        .iter()
        .map(|&p| {
            let scope = match p.domain() {
                Domain::Event => Scope::Event,
                Domain::Collaborator => c("c"),
                Domain::Area => a("a"),
            };
            (p, scope)
        })
        .collect()
}

/// An event with collaborator `c`, area `a`, and `user` given `grants`.
fn checked_event(org_pro: &[&str], user: &str, grants: &[(Permission, Scope)]) -> Event {
    let mut e = event(2, org_pro);
    add_collaborator(&mut e, "c");
    add_collaborator(&mut e, "other");
    add_area(&mut e, "a");
    for (p, s) in grants {
        grant(&mut e, user, *p, s.clone());
    }
    e
}

mod attach;
mod check;
mod collaborators;
mod expiry;
mod grants;
mod modules;
mod slots;
