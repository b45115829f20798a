//! Organizations: kind, license pools and members (SPEC §1 "Organizations").

mod v1;

pub use v1::{OrgV1, OrgV2};

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{
    earliest, Decision, Error, Expiry, Id, IdMap, IdSet, InUse, License, OrgGrant, OrgLicense,
    OrgView, Permission, Reason, Timestamp,
};

/// The most of any license an org can own.
pub const MAX_POOL: u32 = 1_000_000;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum OrgKind {
    Team,
    /// One owner, no other members; the owner has org access implicitly.
    Personal {
        owner: Id,
    },
}

impl OrgKind {
    pub fn owner(&self) -> Option<&Id> {
        match self {
            OrgKind::Team => None,
            OrgKind::Personal { owner } => Some(owner),
        }
    }

    /// Plans creating an org of this kind where one of kind `existing`
    /// may already be: `true` to create it, `false` if it exists as asked
    /// (nothing to do). An org's kind and owner never change (`conflict`).
    pub fn plan_create(&self, existing: Option<&OrgKind>) -> Result<bool, Error> {
        match existing {
            None => Ok(true),
            Some(kind) if kind == self => Ok(false),
            Some(OrgKind::Team) => Err(Error::Conflict(
                "the organization exists as a team organization; its kind never changes".into(),
            )),
            Some(OrgKind::Personal { owner }) => Err(Error::Conflict(format!(
                "the organization exists as the personal organization of {owner}; its kind and owner never change"
            ))),
        }
    }
}

/// The counts an org bought.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pools {
    pub org_standard: u32,
    pub org_pro: u32,
    /// Slots on every event of the org.
    pub event_pro: u32,
}

/// A request to change some pools; `None` leaves one unchanged.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PoolsChange {
    pub org_standard: Option<u32>,
    pub org_pro: Option<u32>,
    pub event_pro: Option<u32>,
}

/// The price of one seat of each pool for one billing period, in any unit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prices {
    pub org_standard: u64,
    pub org_pro: u64,
    pub event_pro: u64,
}

/// A request to change some prices; `None` leaves one unchanged.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PricesChange {
    pub org_standard: Option<u64>,
    pub org_pro: Option<u64>,
    pub event_pro: Option<u64>,
}

impl Prices {
    pub fn with(self, change: PricesChange) -> Prices {
        Prices {
            org_standard: change.org_standard.unwrap_or(self.org_standard),
            org_pro: change.org_pro.unwrap_or(self.org_pro),
            event_pro: change.event_pro.unwrap_or(self.event_pro),
        }
    }
}

/// A change to an org's own state, as applied and journaled. New variants
/// go at the end: the journal encodes a variant by its index.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum OrgEffect {
    PoolsSet(Pools),
    MemberSet {
        user: Id,
        license: Option<OrgLicense>,
    },
    MemberRemoved {
        user: Id,
    },
    /// Pools and prices, whole (`PUT /licenses`).
    LicensesSet {
        pools: Pools,
        prices: Prices,
    },
    /// An Event permission granted to `user` on every event of the org.
    OrgGranted {
        user: Id,
        permission: Permission,
    },
    OrgRevoked {
        user: Id,
        permission: Permission,
    },
    /// An org-wide grant given until `expires_at`, or the expiry of one
    /// replaced (`OrgGranted` gives or keeps one with no expiry).
    OrgGrantedUntil {
        user: Id,
        permission: Permission,
        expires_at: Timestamp,
    },
    /// Org-wide grants whose expiry had come at `at`, removed (a record,
    /// so replay removes exactly these).
    OrgExpired {
        at: Timestamp,
        grants: Vec<(Id, Permission)>,
    },
}

impl OrgEffect {
    /// The expiry this effect sets, if it sets one.
    pub fn sets_expiry(&self) -> Option<Timestamp> {
        match self {
            OrgEffect::OrgGrantedUntil { expires_at, .. } => Some(*expires_at),
            _ => None,
        }
    }
}

/// What [`Org::plan_expiry`] found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrgExpiring {
    /// The removal of every org-wide grant expired at `now`, if any is.
    pub effect: Option<OrgEffect>,
    /// The earliest expiry among those that remain.
    pub next: Option<Timestamp>,
}

/// What setting a member's license would do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemberPlan {
    /// `None` when the member already has exactly this license.
    pub effect: Option<OrgEffect>,
    pub created: bool,
    /// The member is being given Org Pro now: their slots must be released.
    pub becomes_org_pro: bool,
    /// The member gives up Org Pro now.
    pub leaves_org_pro: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Org {
    kind: OrgKind,
    pools: Pools,
    /// Team members and the license each holds (at most one).
    members: BTreeMap<Id, Option<OrgLicense>>,
    /// Org-wide grants by user (anyone, member or not), each until when.
    grants: BTreeMap<Id, BTreeMap<Permission, Expiry>>,
    prices: Prices,
}

impl Org {
    pub fn new(kind: OrgKind) -> Org {
        Org {
            kind,
            pools: Pools::default(),
            members: BTreeMap::new(),
            grants: BTreeMap::new(),
            prices: Prices::default(),
        }
    }

    pub fn prices(&self) -> Prices {
        self.prices
    }

    /// What the org's events know of it: Event Pro, the Org Pro holders and
    /// the org-wide grants.
    pub fn view(&self) -> OrgView {
        OrgView {
            slot_total: self.pools.event_pro,
            org_pro: self.org_pro_holders(),
            org_grants: self.org_grants_by_user(),
            org_grants_expire: self.next_grant_expiry(),
        }
    }

    /// Every user's org-wide grants, as events look them up (expired ones
    /// included until removed: a check passes over them).
    pub fn org_grants_by_user(&self) -> IdMap<Vec<OrgGrant>> {
        self.grants
            .iter()
            .map(|(u, gs)| (u.clone(), Self::listed(gs).collect()))
            .collect()
    }

    /// The earliest expiry among the org-wide grants.
    pub fn next_grant_expiry(&self) -> Option<Timestamp> {
        self.grants
            .values()
            .flat_map(|gs| gs.values())
            .filter_map(|e| e.time())
            .min()
    }

    fn listed(gs: &BTreeMap<Permission, Expiry>) -> impl Iterator<Item = OrgGrant> + '_ {
        gs.iter()
            .filter_map(|(&p, &e)| OrgGrant::new(p).ok().map(|g| g.until(e)))
    }

    /// A user's org-wide grants at `now`, sorted.
    pub fn org_grants(&self, user: &Id, now: Timestamp) -> Vec<OrgGrant> {
        self.grants
            .get(user)
            .map(|gs| {
                Self::listed(gs)
                    .filter(|g| g.expires().live_at(now))
                    .collect()
            })
            .unwrap_or_default()
    }

    fn held(&self, user: &Id, permission: Permission, now: Timestamp) -> Option<Expiry> {
        self.grants
            .get(user)
            .and_then(|gs| gs.get(&permission))
            .copied()
            .filter(|e| e.live_at(now))
    }

    /// Grants `permission` to `user` on every event of the org until
    /// `expires_at` (`None`: no end), or replaces the expiry of theirs.
    /// Answers whether it is new (an expired one counts as absent) and the
    /// change, `None` when it already is exactly so. Event permissions only
    /// (`bad_request`).
    pub fn plan_org_grant(
        &self,
        user: &Id,
        permission: Permission,
        expires_at: Option<Timestamp>,
        now: Timestamp,
    ) -> Result<(bool, Option<OrgEffect>), Error> {
        OrgGrant::new(permission)?;
        let expires = Timestamp::expiry(expires_at, now)?;
        let held = self.held(user, permission, now);
        let user = user.clone();
        let effect = match expires_at {
            None => OrgEffect::OrgGranted { user, permission },
            Some(expires_at) => OrgEffect::OrgGrantedUntil {
                user,
                permission,
                expires_at,
            },
        };
        Ok((held.is_none(), (held != Some(expires)).then_some(effect)))
    }

    pub fn plan_org_revoke(
        &self,
        user: &Id,
        permission: Permission,
        now: Timestamp,
    ) -> Result<OrgEffect, Error> {
        OrgGrant::new(permission)?;
        if self.held(user, permission, now).is_none() {
            return Err(Error::OrgGrantNotFound(user.clone()));
        }
        Ok(OrgEffect::OrgRevoked {
            user: user.clone(),
            permission,
        })
    }

    /// Every org-wide grant whose expiry has come at `now`, in one effect,
    /// and when the next one comes.
    pub fn plan_expiry(&self, now: Timestamp) -> OrgExpiring {
        let mut next = None;
        let mut grants = Vec::new();
        for (user, gs) in &self.grants {
            for (&permission, expires) in gs {
                match expires.time() {
                    Some(_) if !expires.live_at(now) => grants.push((user.clone(), permission)),
                    t => next = earliest(next, t),
                }
            }
        }
        OrgExpiring {
            effect: (!grants.is_empty()).then_some(OrgEffect::OrgExpired { at: now, grants }),
            next,
        }
    }

    /// [`Org::plan_pools`] with prices: the new pools and prices.
    pub fn plan_licenses(
        &self,
        pools: PoolsChange,
        prices: PricesChange,
    ) -> Result<(Pools, Prices), Error> {
        Ok((self.plan_pools(pools)?, self.prices.with(prices)))
    }

    pub fn kind(&self) -> &OrgKind {
        &self.kind
    }

    pub fn pools(&self) -> Pools {
        self.pools
    }

    pub fn used(&self, license: OrgLicense) -> u32 {
        let n = self
            .members
            .values()
            .filter(|l| **l == Some(license))
            .count();
        u32::try_from(n).unwrap_or(u32::MAX)
    }

    fn total(&self, license: OrgLicense) -> u32 {
        match license {
            OrgLicense::OrgStandard => self.pools.org_standard,
            OrgLicense::OrgPro => self.pools.org_pro,
        }
    }

    /// Members as listed: a personal org lists its owner as `owner`.
    pub fn members(&self) -> Vec<(Id, Option<License>)> {
        match &self.kind {
            OrgKind::Personal { owner } => vec![(owner.clone(), Some(License::Owner))],
            OrgKind::Team => self
                .members
                .iter()
                .map(|(u, l)| (u.clone(), l.map(License::from)))
                .collect(),
        }
    }

    pub fn member(&self, user: &Id) -> Result<Option<License>, Error> {
        match &self.kind {
            OrgKind::Personal { owner } if owner == user => Ok(Some(License::Owner)),
            _ => self
                .members
                .get(user)
                .map(|l| l.map(License::from))
                .ok_or_else(|| Error::MemberNotFound(user.clone())),
        }
    }

    /// Team members and the org license each holds, as the usage counts
    /// them (none for a personal org: its owner holds no org license).
    pub fn member_licenses(&self) -> &BTreeMap<Id, Option<OrgLicense>> {
        &self.members
    }

    pub fn member_count(&self) -> usize {
        match self.kind {
            OrgKind::Personal { .. } => 1,
            OrgKind::Team => self.members.len(),
        }
    }

    pub fn org_pro_holders(&self) -> IdSet {
        self.members
            .iter()
            .filter(|(_, l)| **l == Some(OrgLicense::OrgPro))
            .map(|(u, _)| u.clone())
            .collect()
    }

    /// Checks a pool change against the org's own rules and returns the new
    /// pools. Whether events use more Event Pro slots than the new count is
    /// for the events to say.
    pub fn plan_pools(&self, change: PoolsChange) -> Result<Pools, Error> {
        for n in [change.org_standard, change.org_pro, change.event_pro]
            .into_iter()
            .flatten()
        {
            if n > MAX_POOL {
                return Err(Error::BadRequest(format!(
                    "license counts are between 0 and {MAX_POOL}"
                )));
            }
        }
        let new = Pools {
            org_standard: change.org_standard.unwrap_or(self.pools.org_standard),
            org_pro: change.org_pro.unwrap_or(self.pools.org_pro),
            event_pro: change.event_pro.unwrap_or(self.pools.event_pro),
        };
        if matches!(self.kind, OrgKind::Personal { .. })
            && (new.org_standard > 0 || new.org_pro > 0)
        {
            return Err(Error::PersonalOrg(
                "a personal organization can buy Event Pro licenses only",
            ));
        }
        for (license, total) in [
            (OrgLicense::OrgStandard, new.org_standard),
            (OrgLicense::OrgPro, new.org_pro),
        ] {
            let used = self.used(license);
            if total < used {
                return Err(Error::LicensesInUse(InUse::Members(used)));
            }
        }
        Ok(new)
    }

    /// Checks giving `user` the `license` (or none), adding them if new.
    pub fn plan_member(&self, user: &Id, license: Option<OrgLicense>) -> Result<MemberPlan, Error> {
        if let OrgKind::Personal { .. } = self.kind {
            return Err(Error::PersonalOrg(
                "a personal organization has no members but its owner",
            ));
        }
        let current = self.members.get(user);
        let previous = current.copied().flatten();
        if current.is_some() && previous == license {
            return Ok(MemberPlan {
                effect: None,
                created: false,
                becomes_org_pro: false,
                leaves_org_pro: false,
            });
        }
        if let Some(wanted) = license {
            let total = self.total(wanted);
            if self.used(wanted) >= total {
                return Err(Error::NoSeatAvailable {
                    license: wanted,
                    total,
                });
            }
        }
        Ok(MemberPlan {
            effect: Some(OrgEffect::MemberSet {
                user: user.clone(),
                license,
            }),
            created: current.is_none(),
            becomes_org_pro: license == Some(OrgLicense::OrgPro),
            leaves_org_pro: previous == Some(OrgLicense::OrgPro),
        })
    }

    pub fn plan_remove_member(&self, user: &Id) -> Result<OrgEffect, Error> {
        if let OrgKind::Personal { owner } = &self.kind {
            return Err(if owner == user {
                Error::PersonalOrg("the owner of a personal organization cannot be removed")
            } else {
                Error::MemberNotFound(user.clone())
            });
        }
        if !self.members.contains_key(user) {
            return Err(Error::MemberNotFound(user.clone()));
        }
        Ok(OrgEffect::MemberRemoved { user: user.clone() })
    }

    pub fn apply(&mut self, effect: &OrgEffect) {
        match effect {
            OrgEffect::PoolsSet(pools) => self.pools = *pools,
            OrgEffect::MemberSet { user, license } => {
                self.members.insert(user.clone(), *license);
            }
            OrgEffect::MemberRemoved { user } => {
                self.members.remove(user);
            }
            OrgEffect::LicensesSet { pools, prices } => {
                self.pools = *pools;
                self.prices = *prices;
            }
            OrgEffect::OrgGranted { user, permission } => {
                self.set_grant(user, *permission, Expiry::NEVER);
            }
            OrgEffect::OrgGrantedUntil {
                user,
                permission,
                expires_at,
            } => self.set_grant(user, *permission, Expiry::at(*expires_at)),
            OrgEffect::OrgRevoked { user, permission } => self.revoke(user, *permission),
            OrgEffect::OrgExpired { at: _, grants } => {
                for (user, permission) in grants {
                    self.revoke(user, *permission);
                }
            }
        }
    }

    fn set_grant(&mut self, user: &Id, permission: Permission, expires: Expiry) {
        if OrgGrant::new(permission).is_ok() {
            let gs = self.grants.entry(user.clone()).or_default();
            gs.insert(permission, expires);
        }
    }

    fn revoke(&mut self, user: &Id, permission: Permission) {
        if let Some(gs) = self.grants.get_mut(user) {
            gs.remove(&permission);
            if gs.is_empty() {
                self.grants.remove(user);
            }
        }
    }

    /// Org access (`/access`): Org Standard, Org Pro, or a personal owner.
    pub fn access(&self, user: &Id) -> Decision {
        match self.member(user) {
            Ok(Some(license)) => Decision::new(Reason::Granted, Some(license)),
            _ => Decision::new(Reason::NoLicense, None),
        }
    }
}

#[cfg(test)]
mod tests;
