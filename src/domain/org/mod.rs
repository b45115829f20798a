//! Organizations: kind, license pools and members (SPEC §1 "Organizations").

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::{
    Decision, Error, Id, IdMap, IdSet, InUse, License, OrgGrant, OrgLicense, OrgView, Permission,
    Reason,
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
    /// Org-wide grants by user (anyone, member or not).
    grants: BTreeMap<Id, BTreeSet<OrgGrant>>,
    prices: Prices,
}

/// An org's state as the first snapshot format held it, before org-wide
/// grants and prices, field for field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgV1 {
    pub kind: OrgKind,
    pub pools: Pools,
    pub members: BTreeMap<Id, Option<OrgLicense>>,
}

impl From<OrgV1> for Org {
    /// No org-wide grants, every price 0.
    fn from(v1: OrgV1) -> Org {
        Org {
            kind: v1.kind,
            pools: v1.pools,
            members: v1.members,
            grants: BTreeMap::new(),
            prices: Prices::default(),
        }
    }
}

impl From<&Org> for OrgV1 {
    /// What the first format can hold of an org: org-wide grants and prices
    /// are left out.
    fn from(o: &Org) -> OrgV1 {
        OrgV1 {
            kind: o.kind.clone(),
            pools: o.pools,
            members: o.members.clone(),
        }
    }
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
        }
    }

    /// Every user's org-wide grants, as events look them up.
    pub fn org_grants_by_user(&self) -> IdMap<Vec<OrgGrant>> {
        self.grants
            .iter()
            .map(|(u, gs)| (u.clone(), gs.iter().cloned().collect()))
            .collect()
    }

    /// A user's org-wide grants, sorted.
    pub fn org_grants(&self, user: &Id) -> Vec<OrgGrant> {
        self.grants
            .get(user)
            .map(|gs| gs.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// Grants `permission` to `user` on every event of the org; `None`
    /// when they already have it. Event permissions only (`bad_request`).
    pub fn plan_org_grant(
        &self,
        user: &Id,
        permission: Permission,
    ) -> Result<Option<OrgEffect>, Error> {
        let grant = OrgGrant::new(permission)?;
        let exists = self.grants.get(user).is_some_and(|gs| gs.contains(&grant));
        Ok((!exists).then(|| OrgEffect::OrgGranted {
            user: user.clone(),
            permission,
        }))
    }

    pub fn plan_org_revoke(&self, user: &Id, permission: Permission) -> Result<OrgEffect, Error> {
        let grant = OrgGrant::new(permission)?;
        if !self.grants.get(user).is_some_and(|gs| gs.contains(&grant)) {
            return Err(Error::OrgGrantNotFound(user.clone()));
        }
        Ok(OrgEffect::OrgRevoked {
            user: user.clone(),
            permission,
        })
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
                if let Ok(g) = OrgGrant::new(*permission) {
                    self.grants.entry(user.clone()).or_default().insert(g);
                }
            }
            OrgEffect::OrgRevoked { user, permission } => {
                if let Some(gs) = self.grants.get_mut(user) {
                    gs.retain(|g| g.permission() != *permission);
                    if gs.is_empty() {
                        self.grants.remove(user);
                    }
                }
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
