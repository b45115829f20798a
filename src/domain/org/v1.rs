//! Orgs as the earlier snapshot formats held them, and their conversions.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::{Org, OrgKind, Pools, Prices};
use crate::domain::{Expiry, Id, OrgLicense, Permission};

/// An org's state as the first snapshot format held it, before org-wide
/// grants and prices, field for field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgV1 {
    pub kind: OrgKind,
    pub pools: Pools,
    pub members: BTreeMap<Id, Option<OrgLicense>>,
}

/// An org's state as the second snapshot format held it, before expiries,
/// field for field (an org-wide grant was a struct of one permission).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgV2 {
    pub kind: OrgKind,
    pub pools: Pools,
    pub members: BTreeMap<Id, Option<OrgLicense>>,
    pub grants: BTreeMap<Id, BTreeSet<Permission>>,
    pub prices: Prices,
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

impl From<OrgV2> for Org {
    /// No org-wide grant expires.
    fn from(v2: OrgV2) -> Org {
        let never = |ps: BTreeSet<Permission>| ps.into_iter().map(|p| (p, Expiry::NEVER)).collect();
        Org {
            kind: v2.kind,
            pools: v2.pools,
            members: v2.members,
            grants: v2
                .grants
                .into_iter()
                .map(|(u, ps)| (u, never(ps)))
                .collect(),
            prices: v2.prices,
        }
    }
}

impl From<&Org> for OrgV2 {
    /// What the second format can hold of an org: expiries are left out.
    fn from(o: &Org) -> OrgV2 {
        OrgV2 {
            kind: o.kind.clone(),
            pools: o.pools,
            members: o.members.clone(),
            grants: o
                .grants
                .iter()
                .map(|(u, gs)| (u.clone(), gs.keys().copied().collect()))
                .collect(),
            prices: o.prices,
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
