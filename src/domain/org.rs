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
mod tests {
    use super::*;

    fn id(s: &str) -> Id {
        Id::parse(s).unwrap()
    }

    fn team(std: u32, pro: u32) -> Org {
        let mut org = Org::new(OrgKind::Team);
        let pools = org
            .plan_pools(PoolsChange {
                org_standard: Some(std),
                org_pro: Some(pro),
                event_pro: None,
            })
            .unwrap();
        org.apply(&OrgEffect::PoolsSet(pools));
        org
    }

    fn set(org: &mut Org, user: &str, license: Option<OrgLicense>) -> Result<MemberPlan, Error> {
        let plan = org.plan_member(&id(user), license)?;
        if let Some(e) = &plan.effect {
            org.apply(e);
        }
        Ok(plan)
    }

    #[test]
    fn a_member_holds_at_most_one_org_license_and_pools_are_counted() {
        let mut org = team(1, 1);
        assert!(
            set(&mut org, "ann", Some(OrgLicense::OrgStandard))
                .unwrap()
                .created
        );
        assert_eq!(org.used(OrgLicense::OrgStandard), 1);
        set(&mut org, "ann", Some(OrgLicense::OrgPro)).unwrap();
        assert_eq!(org.used(OrgLicense::OrgStandard), 0);
        assert_eq!(org.used(OrgLicense::OrgPro), 1);
        assert_eq!(org.member(&id("ann")).unwrap(), Some(License::OrgPro));
    }

    #[test]
    fn assigning_from_a_full_pool_is_no_seat_available_and_keeps_the_old_license() {
        let mut org = team(1, 0);
        set(&mut org, "ann", Some(OrgLicense::OrgStandard)).unwrap();
        let before = org.clone();
        assert!(matches!(
            set(&mut org, "bob", Some(OrgLicense::OrgStandard)),
            Err(Error::NoSeatAvailable { .. })
        ));
        assert!(matches!(
            set(&mut org, "ann", Some(OrgLicense::OrgPro)),
            Err(Error::NoSeatAvailable { .. })
        ));
        assert_eq!(org, before);
    }

    #[test]
    fn setting_the_same_license_again_changes_nothing() {
        let mut org = team(1, 0);
        set(&mut org, "ann", Some(OrgLicense::OrgStandard)).unwrap();
        let again = set(&mut org, "ann", Some(OrgLicense::OrgStandard)).unwrap();
        assert_eq!(again.effect, None);
        assert!(!again.created);
        let none = set(&mut org, "bob", None).unwrap();
        assert!(none.created);
        assert_eq!(set(&mut org, "bob", None).unwrap().effect, None);
    }

    #[test]
    fn org_pro_changes_are_flagged_for_slot_release() {
        let mut org = team(0, 1);
        assert!(
            set(&mut org, "ann", Some(OrgLicense::OrgPro))
                .unwrap()
                .becomes_org_pro
        );
        assert!(set(&mut org, "ann", None).unwrap().leaves_org_pro);
    }

    #[test]
    fn lowering_an_org_pool_below_its_holders_is_licenses_in_use() {
        let mut org = team(2, 0);
        set(&mut org, "ann", Some(OrgLicense::OrgStandard)).unwrap();
        set(&mut org, "bob", Some(OrgLicense::OrgStandard)).unwrap();
        let lower = PoolsChange {
            org_standard: Some(1),
            ..Default::default()
        };
        assert_eq!(
            org.plan_pools(lower),
            Err(Error::LicensesInUse(InUse::Members(2)))
        );
        assert!(org
            .plan_pools(PoolsChange {
                org_standard: Some(2),
                ..Default::default()
            })
            .is_ok());
    }

    #[test]
    fn pools_are_capped_and_missing_counts_stay() {
        let org = team(3, 4);
        assert!(matches!(
            org.plan_pools(PoolsChange {
                event_pro: Some(MAX_POOL + 1),
                ..Default::default()
            }),
            Err(Error::BadRequest(_))
        ));
        let p = org
            .plan_pools(PoolsChange {
                event_pro: Some(MAX_POOL),
                ..Default::default()
            })
            .unwrap();
        assert_eq!((p.org_standard, p.org_pro, p.event_pro), (3, 4, MAX_POOL));
    }

    #[test]
    fn a_personal_org_buys_event_pro_only_and_has_only_its_owner() {
        let org = Org::new(OrgKind::Personal { owner: id("olga") });
        assert!(matches!(
            org.plan_pools(PoolsChange {
                org_pro: Some(1),
                ..Default::default()
            }),
            Err(Error::PersonalOrg(_))
        ));
        assert!(org
            .plan_pools(PoolsChange {
                org_standard: Some(0),
                event_pro: Some(5),
                ..Default::default()
            })
            .is_ok());
        assert!(matches!(
            org.plan_member(&id("bob"), None),
            Err(Error::PersonalOrg(_))
        ));
        assert!(matches!(
            org.plan_remove_member(&id("olga")),
            Err(Error::PersonalOrg(_))
        ));
        assert!(matches!(
            org.plan_remove_member(&id("bob")),
            Err(Error::MemberNotFound(_))
        ));
        assert_eq!(org.members(), vec![(id("olga"), Some(License::Owner))]);
        assert_eq!(org.member_count(), 1);
    }

    #[test]
    fn org_access_needs_an_org_license_or_ownership() {
        let mut org = team(1, 1);
        set(&mut org, "std", Some(OrgLicense::OrgStandard)).unwrap();
        set(&mut org, "pro", Some(OrgLicense::OrgPro)).unwrap();
        set(&mut org, "none", None).unwrap();
        assert_eq!(
            org.access(&id("std")),
            Decision::new(Reason::Granted, Some(License::OrgStandard))
        );
        assert_eq!(
            org.access(&id("pro")),
            Decision::new(Reason::Granted, Some(License::OrgPro))
        );
        assert_eq!(
            org.access(&id("none")),
            Decision::new(Reason::NoLicense, None)
        );
        assert_eq!(
            org.access(&id("stranger")),
            Decision::new(Reason::NoLicense, None)
        );
        let personal = Org::new(OrgKind::Personal { owner: id("olga") });
        assert_eq!(
            personal.access(&id("olga")),
            Decision::new(Reason::Granted, Some(License::Owner))
        );
        assert_eq!(personal.access(&id("x")).reason, Reason::NoLicense);
    }

    #[test]
    fn removing_a_member_frees_their_license() {
        let mut org = team(1, 0);
        set(&mut org, "ann", Some(OrgLicense::OrgStandard)).unwrap();
        let e = org.plan_remove_member(&id("ann")).unwrap();
        org.apply(&e);
        assert_eq!(org.used(OrgLicense::OrgStandard), 0);
        assert!(matches!(
            org.plan_remove_member(&id("ann")),
            Err(Error::MemberNotFound(_))
        ));
        set(&mut org, "bob", Some(OrgLicense::OrgStandard)).unwrap();
    }

    #[test]
    fn org_wide_grants_are_event_permissions_granted_once_and_revoked() {
        let mut org = team(0, 0);
        let ann = id("ann");
        assert!(matches!(
            org.plan_org_grant(&ann, Permission::CollaboratorView),
            Err(Error::BadRequest(_))
        ));
        assert!(matches!(
            org.plan_org_grant(&ann, Permission::AreaView),
            Err(Error::BadRequest(_))
        ));
        for p in [Permission::EventView, Permission::EventAdmin] {
            let e = org.plan_org_grant(&ann, p).unwrap().unwrap();
            org.apply(&e);
        }
        assert_eq!(org.plan_org_grant(&ann, Permission::EventView), Ok(None));
        let mine: Vec<Permission> = org
            .org_grants(&ann)
            .iter()
            .map(OrgGrant::permission)
            .collect();
        assert_eq!(mine, vec![Permission::EventAdmin, Permission::EventView]);
        assert_eq!(org.view().org_grants.get(&ann).map(Vec::len), Some(2));
        let before = org.clone();
        assert_eq!(
            org.plan_org_revoke(&ann, Permission::EventUpdate),
            Err(Error::OrgGrantNotFound(ann.clone()))
        );
        assert_eq!(org, before);
        for p in [Permission::EventView, Permission::EventAdmin] {
            let e = org.plan_org_revoke(&ann, p).unwrap();
            org.apply(&e);
        }
        assert!(org.org_grants(&ann).is_empty());
        assert!(org.view().org_grants.is_empty());
    }

    #[test]
    fn prices_are_set_with_the_pools_and_missing_ones_stay() {
        let mut org = team(2, 0);
        assert_eq!(org.prices(), Prices::default());
        let change = PricesChange {
            org_pro: Some(30),
            event_pro: Some(5),
            ..PricesChange::default()
        };
        let (pools, prices) = org.plan_licenses(PoolsChange::default(), change).unwrap();
        org.apply(&OrgEffect::LicensesSet { pools, prices });
        let (pools, prices) = org
            .plan_licenses(
                PoolsChange::default(),
                PricesChange {
                    org_standard: Some(10),
                    ..PricesChange::default()
                },
            )
            .unwrap();
        assert_eq!(pools.org_standard, 2);
        assert_eq!(
            prices,
            Prices {
                org_standard: 10,
                org_pro: 30,
                event_pro: 5
            }
        );
        // a pool refusal refuses the prices too
        let lower = PoolsChange {
            org_standard: Some(MAX_POOL + 1),
            ..PoolsChange::default()
        };
        assert!(org.plan_licenses(lower, change).is_err());
    }
}
