//! What an org uses and needs (`/usage`), and what proposed changes would
//! do (`/what-if`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::domain::usage::{self, Advice, LostAccess, Proposal, WhatIf};
use crate::domain::{Id, License, OrgLicense, Prices};
use crate::http::{extract, ApiError};

use super::orgs::LicensesBody;
use super::ErrorView;

/// An org pool: seats bought and held by members.
#[derive(Serialize, ToSchema)]
pub struct PoolUse {
    pub total: u32,
    pub used: u32,
}

#[derive(Serialize, ToSchema)]
pub struct EventProUse {
    /// Slots on every event.
    pub total: u32,
    /// The most slots in use on any one event now.
    pub max_used: u32,
    /// The most slots ever in use at once on one event.
    pub peak: u32,
}

#[derive(Serialize, ToSchema)]
pub struct PoolsUse {
    pub org_standard: PoolUse,
    pub org_pro: PoolUse,
    pub event_pro: EventProUse,
}

#[derive(Serialize, ToSchema)]
pub struct EventUseView {
    pub event: Id,
    pub slots_used: u32,
    /// The most slots ever in use at once on this event.
    pub peak: u32,
    /// No further slot can be claimed on it.
    pub at_capacity: bool,
}

/// The price of one seat of each pool for one billing period.
#[derive(Serialize, ToSchema)]
#[schema(as = Prices)]
pub struct PricesView {
    pub org_standard: u64,
    pub org_pro: u64,
    pub event_pro: u64,
}

/// The price of the pools bought, and of the smallest pools covering what
/// is in use now.
#[derive(Serialize, ToSchema)]
pub struct Cost {
    pub current: u64,
    pub needed: u64,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PoolName {
    OrgStandard,
    OrgPro,
    EventPro,
}

/// A user refused for want of a license, and how often.
#[derive(Serialize, ToSchema)]
pub struct DeniedView {
    pub user: Id,
    pub count: u64,
}

/// One piece of advice, tagged by `kind`; `message` says it in a sentence.
#[derive(Serialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AdviceView {
    /// A pool bought above its use: buy `to` instead of `from`.
    LowerPool {
        message: String,
        pool: PoolName,
        from: u32,
        to: u32,
        saving: u64,
    },
    /// Giving these members Org Pro frees their slots and costs less.
    OrgProSwap {
        message: String,
        users: Vec<Id>,
        event_pro_from: u32,
        event_pro_to: u32,
        saving: u64,
    },
    /// Attached to two or more collaborators with no slot or Org Pro.
    NeedsSlot {
        message: String,
        event: Id,
        users: Vec<Id>,
    },
    /// Grants on the event but no license there.
    IdleGrants {
        message: String,
        event: Id,
        users: Vec<Id>,
    },
    /// Refused with `no_license` or `outside_license` since the server
    /// started, most refused first (at most 20).
    DeniedByLicense {
        message: String,
        event: Id,
        users: Vec<DeniedView>,
    },
}

/// `GET /v1/orgs/{org}/usage`.
#[derive(Serialize, ToSchema)]
#[schema(as = Usage)]
pub struct UsageView {
    pub pools: PoolsUse,
    /// By event id.
    pub events: Vec<EventUseView>,
    pub prices: PricesView,
    pub cost: Cost,
    pub advice: Vec<AdviceView>,
}

impl From<Prices> for PricesView {
    fn from(p: Prices) -> PricesView {
        PricesView {
            org_standard: p.org_standard,
            org_pro: p.org_pro,
            event_pro: p.event_pro,
        }
    }
}

impl From<usage::Pool> for PoolName {
    fn from(p: usage::Pool) -> PoolName {
        match p {
            usage::Pool::OrgStandard => PoolName::OrgStandard,
            usage::Pool::OrgPro => PoolName::OrgPro,
            usage::Pool::EventPro => PoolName::EventPro,
        }
    }
}

impl From<Advice> for AdviceView {
    fn from(a: Advice) -> AdviceView {
        match a {
            Advice::LowerPool {
                message,
                pool,
                from,
                to,
                saving,
            } => AdviceView::LowerPool {
                message,
                pool: pool.into(),
                from,
                to,
                saving,
            },
            Advice::OrgProSwap {
                message,
                users,
                event_pro_from,
                event_pro_to,
                saving,
            } => AdviceView::OrgProSwap {
                message,
                users,
                event_pro_from,
                event_pro_to,
                saving,
            },
            Advice::NeedsSlot {
                message,
                event,
                users,
            } => AdviceView::NeedsSlot {
                message,
                event,
                users,
            },
            Advice::IdleGrants {
                message,
                event,
                users,
            } => AdviceView::IdleGrants {
                message,
                event,
                users,
            },
            Advice::DeniedByLicense {
                message,
                event,
                users,
            } => AdviceView::DeniedByLicense {
                message,
                event,
                users: users
                    .into_iter()
                    .map(|d| DeniedView {
                        user: d.user,
                        count: d.count,
                    })
                    .collect(),
            },
        }
    }
}

impl From<usage::Usage> for UsageView {
    fn from(u: usage::Usage) -> UsageView {
        let p = u.pools;
        UsageView {
            pools: PoolsUse {
                org_standard: PoolUse {
                    total: p.org_standard.total,
                    used: p.org_standard.used,
                },
                org_pro: PoolUse {
                    total: p.org_pro.total,
                    used: p.org_pro.used,
                },
                event_pro: EventProUse {
                    total: p.event_pro.total,
                    max_used: p.event_pro.max_used,
                    peak: p.event_pro.peak,
                },
            },
            events: u
                .events
                .into_iter()
                .map(|e| EventUseView {
                    event: e.event,
                    slots_used: e.slots_used,
                    peak: e.peak,
                    at_capacity: e.at_capacity,
                })
                .collect(),
            prices: u.prices.into(),
            cost: Cost {
                current: u.cost.current,
                needed: u.cost.needed,
            },
            advice: u.advice.into_iter().map(AdviceView::from).collect(),
        }
    }
}

/// A slot to release: `DELETE /v1/orgs/{org}/events/{event}/slots/{user}`.
#[derive(Deserialize, ToSchema)]
pub struct SlotRelease {
    #[schema(value_type = Id)]
    pub event: String,
    #[schema(value_type = Id)]
    pub user: String,
}

/// Proposed changes, tried in this order as the real writes would be:
/// `licenses` (as `PUT /licenses`), `members` (as `PUT /members/{user}`,
/// by user id), `release_slots` (as `DELETE …/slots/{user}`, in order).
#[derive(Deserialize, Default, ToSchema)]
pub struct WhatIfBody {
    pub licenses: Option<LicensesBody>,
    /// User id → the org license they would hold, or `null` for none.
    #[serde(default)]
    #[schema(value_type = BTreeMap<String, OrgLicense>)]
    pub members: BTreeMap<String, Option<OrgLicense>>,
    #[serde(default)]
    pub release_slots: Vec<SlotRelease>,
}

/// At most this many changes in one what-if (members plus slot releases).
pub const MAX_WHAT_IF_CHANGES: usize = 10_000;

impl TryFrom<WhatIfBody> for Proposal {
    type Error = ApiError;

    fn try_from(b: WhatIfBody) -> Result<Proposal, ApiError> {
        if b.members.len() + b.release_slots.len() > MAX_WHAT_IF_CHANGES {
            return Err(ApiError::bad_request(format!(
                "a what-if proposes at most {MAX_WHAT_IF_CHANGES} member changes and slot releases"
            )));
        }
        let licenses = b
            .licenses
            .map(|l| {
                let prices = l.prices()?;
                Ok::<_, ApiError>((crate::domain::PoolsChange::try_from(l)?, prices))
            })
            .transpose()?;
        let members = b
            .members
            .into_iter()
            .map(|(u, l)| Ok((extract::id(&u)?, l)))
            .collect::<Result<_, ApiError>>()?;
        let release_slots = b
            .release_slots
            .into_iter()
            .map(|r| Ok((extract::id(&r.event)?, extract::id(&r.user)?)))
            .collect::<Result<_, ApiError>>()?;
        Ok(Proposal {
            licenses,
            members,
            release_slots,
        })
    }
}

/// A user whose license on an event would fall.
#[derive(Serialize, ToSchema)]
pub struct LostAccessView {
    pub event: Id,
    pub user: Id,
    #[schema(required = true)]
    pub license_before: Option<License>,
    #[schema(required = true)]
    pub license_after: Option<License>,
}

/// `POST /v1/orgs/{org}/what-if`: computed on a copy; nothing changes.
#[derive(Serialize, ToSchema)]
pub struct WhatIfView {
    /// No proposed write would be refused.
    pub allowed: bool,
    /// What the real writes would be refused with, in the order made.
    #[schema(value_type = Vec<ErrorView>)]
    pub errors: Vec<Map<String, Value>>,
    pub lose_access: Vec<LostAccessView>,
    /// The usage of the changed org.
    pub usage: UsageView,
}

impl From<WhatIf> for WhatIfView {
    fn from(w: WhatIf) -> WhatIfView {
        let allowed = w.allowed();
        WhatIfView {
            allowed,
            errors: w
                .errors
                .into_iter()
                .map(|e| ApiError::from(e).body())
                .collect(),
            lose_access: w
                .lose_access
                .into_iter()
                .map(|l: LostAccess| LostAccessView {
                    event: l.event,
                    user: l.user,
                    license_before: l.license_before,
                    license_after: l.license_after,
                })
                .collect(),
            usage: w.usage.into(),
        }
    }
}
