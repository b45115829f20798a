//! Organizations, their license pools and members.

use serde::{Deserialize, Serialize};
use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Schema, Type};
use utoipa::openapi::RefOr;
use utoipa::{PartialSchema, ToSchema};

use crate::actors::{MemberOutcome, OrgInfo};
use crate::domain::{Id, License, OrgKind, OrgLicense, PoolsChange, PricesChange, MAX_POOL};
use crate::http::extract;
use crate::http::ApiError;

use super::{enumeration, not};

/// `{"kind": "team"}` or `{"kind": "personal", "owner": user}`.
#[derive(Deserialize)]
#[serde(try_from = "OrgFields")]
pub enum OrgBody {
    Team,
    Personal { owner: String },
}

/// An org body's fields as sent. Read flat rather than as serde's
/// internally tagged enum, which buffers the whole object first, and so
/// would refuse deep unknown fields that are otherwise skipped.
#[derive(Deserialize)]
struct OrgFields {
    kind: KindTag,
    owner: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum KindTag {
    Team,
    Personal,
}

impl TryFrom<OrgFields> for OrgBody {
    type Error = &'static str;

    fn try_from(fields: OrgFields) -> Result<OrgBody, &'static str> {
        match (fields.kind, fields.owner) {
            (KindTag::Team, None) => Ok(OrgBody::Team),
            (KindTag::Team, Some(_)) => {
                Err("a team organization has no owner; leave \"owner\" out")
            }
            (KindTag::Personal, Some(owner)) => Ok(OrgBody::Personal { owner }),
            (KindTag::Personal, None) => Err("a personal organization needs an \"owner\""),
        }
    }
}

impl TryFrom<OrgBody> for OrgKind {
    type Error = ApiError;

    fn try_from(body: OrgBody) -> Result<OrgKind, ApiError> {
        Ok(match body {
            OrgBody::Team => OrgKind::Team,
            OrgBody::Personal { owner } => OrgKind::Personal {
                owner: extract::id(&owner)?,
            },
        })
    }
}

// Written by hand: a team org's variant says that it takes no `owner`.
impl PartialSchema for OrgBody {
    fn schema() -> RefOr<Schema> {
        let team = ObjectBuilder::new()
            .schema_type(Type::Object)
            .property("kind", enumeration(["team"]))
            .required("kind");
        let team = not(team, serde_json::json!({"required": ["owner"]}));
        let personal = ObjectBuilder::new()
            .schema_type(Type::Object)
            .property("kind", enumeration(["personal"]))
            .property("owner", utoipa::openapi::Ref::from_schema_name(Id::name()))
            .required("kind")
            .required("owner");
        OneOfBuilder::new()
            .description(Some(
                "`{\"kind\": \"team\"}` or `{\"kind\": \"personal\", \"owner\": user}`; a team \
                 org given an owner is `400 bad_request`.",
            ))
            .item(team)
            .item(personal)
            .into()
    }
}

impl ToSchema for OrgBody {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((Id::name().into(), Id::schema()));
    }
}

/// The pool sizes and prices to set; a missing one is unchanged.
#[derive(Deserialize, Default, ToSchema)]
pub struct LicensesBody {
    #[schema(inline)]
    pub prices: Option<PricesBody>,
    #[schema(minimum = 0, maximum = 1_000_000)]
    pub org_standard: Option<u64>,
    #[schema(minimum = 0, maximum = 1_000_000)]
    pub org_pro: Option<u64>,
    #[schema(minimum = 0, maximum = 1_000_000)]
    pub event_pro: Option<u64>,
}

const _: () = assert!(
    MAX_POOL == 1_000_000,
    "the schema of LicensesBody says 1_000_000"
);

/// The largest price of a seat: the costs shown (3 pools × 10⁶ seats ×
/// 10⁹) stay below 2⁵³, exact in any JSON reader.
pub const MAX_PRICE: u64 = 1_000_000_000;

/// The price of one seat of each pool for one billing period, in any unit
/// (0 to 10⁹); a missing one is unchanged.
#[derive(Deserialize, Default, ToSchema)]
pub struct PricesBody {
    #[schema(minimum = 0, maximum = 1_000_000_000)]
    pub org_standard: Option<u64>,
    #[schema(minimum = 0, maximum = 1_000_000_000)]
    pub org_pro: Option<u64>,
    #[schema(minimum = 0, maximum = 1_000_000_000)]
    pub event_pro: Option<u64>,
}

fn price(n: Option<u64>) -> Result<Option<u64>, ApiError> {
    n.map(|n| {
        (n <= MAX_PRICE)
            .then_some(n)
            .ok_or_else(|| ApiError::bad_request(format!("prices are between 0 and {MAX_PRICE}")))
    })
    .transpose()
}

impl LicensesBody {
    /// The prices to set (none when `prices` is missing).
    pub fn prices(&self) -> Result<PricesChange, ApiError> {
        let p = self.prices.as_ref();
        Ok(PricesChange {
            org_standard: price(p.and_then(|p| p.org_standard))?,
            org_pro: price(p.and_then(|p| p.org_pro))?,
            event_pro: price(p.and_then(|p| p.event_pro))?,
        })
    }
}

fn pool_size(n: Option<u64>) -> Result<Option<u32>, ApiError> {
    n.map(|n| {
        u32::try_from(n)
            .ok()
            .filter(|&n| n <= MAX_POOL)
            .ok_or_else(|| {
                ApiError::bad_request(format!("license counts are between 0 and {MAX_POOL}"))
            })
    })
    .transpose()
}

impl TryFrom<LicensesBody> for PoolsChange {
    type Error = ApiError;

    fn try_from(b: LicensesBody) -> Result<PoolsChange, ApiError> {
        Ok(PoolsChange {
            org_standard: pool_size(b.org_standard)?,
            org_pro: pool_size(b.org_pro)?,
            event_pro: pool_size(b.event_pro)?,
        })
    }
}

/// The org license to hold; `null` or missing: none.
#[derive(Deserialize, Default, ToSchema)]
pub struct MemberBody {
    #[serde(default)]
    pub license: Option<OrgLicense>,
}

/// An org's kind on the wire.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Team,
    Personal,
}

#[derive(Serialize, ToSchema)]
pub struct Pool {
    pub total: u32,
    pub used: u32,
}

#[derive(Serialize, ToSchema)]
pub struct EventProPool {
    pub total: u32,
    /// The most slots in use on any one event now.
    pub max_used: u32,
}

#[derive(Serialize, ToSchema)]
pub struct LicensesView {
    #[schema(inline)]
    pub org_standard: Pool,
    #[schema(inline)]
    pub org_pro: Pool,
    #[schema(inline)]
    pub event_pro: EventProPool,
}

/// An organization; `members` and `events` are counts, `event_pro.max_used`
/// the most slots in use on any one event now.
#[derive(Serialize, ToSchema)]
#[schema(as = Org)]
pub struct OrgView {
    pub id: Id,
    #[schema(inline)]
    pub kind: Kind,
    /// A personal org's owner (a team org has none).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub owner: Option<Id>,
    #[schema(inline)]
    pub licenses: LicensesView,
    pub members: usize,
    pub events: usize,
}

impl OrgView {
    /// The org `id` as its actor told (`info`), with the most slots used on
    /// one of its events.
    pub fn new(id: Id, info: &OrgInfo, max_used: u32) -> OrgView {
        let (kind, owner) = match &info.kind {
            OrgKind::Team => (Kind::Team, None),
            OrgKind::Personal { owner } => (Kind::Personal, Some(owner.clone())),
        };
        OrgView {
            id,
            kind,
            owner,
            licenses: LicensesView {
                org_standard: Pool {
                    total: info.pools.org_standard,
                    used: info.org_standard_used,
                },
                org_pro: Pool {
                    total: info.pools.org_pro,
                    used: info.org_pro_used,
                },
                event_pro: EventProPool {
                    total: info.pools.event_pro,
                    max_used,
                },
            },
            members: info.members,
            events: info.events.len(),
        }
    }
}

#[derive(Serialize, ToSchema)]
#[schema(as = Member)]
pub struct MemberView {
    pub user: Id,
    #[schema(required = true)]
    pub license: Option<License>,
}

impl From<(Id, Option<License>)> for MemberView {
    fn from((user, license): (Id, Option<License>)) -> MemberView {
        MemberView { user, license }
    }
}

#[derive(Serialize, ToSchema)]
pub struct Members {
    pub members: Vec<MemberView>,
}

/// A member after a `PUT`.
#[derive(Serialize, ToSchema)]
pub struct MemberChange {
    pub user: Id,
    #[schema(required = true)]
    pub license: Option<License>,
    /// Events whose slot was released.
    pub released_slots: Vec<Id>,
}

impl MemberChange {
    pub fn new(user: Id, outcome: MemberOutcome) -> MemberChange {
        MemberChange {
            user,
            license: outcome.license,
            released_slots: outcome.released_slots,
        }
    }
}
