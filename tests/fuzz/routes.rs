//! The route table, read from the OpenAPI document: its paths, their
//! methods, path parameters, security and the permission names. What the document cannot say is
//! kept here: which bodies and queries a route reads (its [`Route`] kind,
//! named by its operation ids), how often it is picked, and a few paths that
//! must not exist.

use std::sync::OnceLock;

use gatehouse::http::openapi;
use serde_json::Value;

/// Methods a request may use, beside the route's own.
pub const METHODS: [&str; 7] = ["GET", "PUT", "POST", "DELETE", "PATCH", "HEAD", "OPTIONS"];

/// What a route reads, for the bodies and queries it is sent.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Route {
    Health,
    Permissions,
    Snapshot,
    Org,
    Licenses,
    Members,
    Member,
    Access,
    Batch,
    UserEvents,
    Events,
    Event,
    Collaborator,
    Area,
    Slot,
    Attachment,
    Grant,
    EventUser,
    Check,
    /// A documented route this table knows nothing more of.
    Other,
    /// A path the server does not serve.
    Unknown,
}

impl Route {
    /// The kind of the route an operation belongs to, and its weight.
    fn of(operation_id: &str) -> (Route, u32) {
        match operation_id {
            "health" => (Route::Health, 2),
            "listPermissions" => (Route::Permissions, 2),
            "takeSnapshot" => (Route::Snapshot, 1),
            "putOrg" | "getOrg" => (Route::Org, 6),
            "putLicenses" => (Route::Licenses, 7),
            "listMembers" => (Route::Members, 3),
            "putMember" | "getMember" | "deleteMember" => (Route::Member, 7),
            "orgAccess" => (Route::Access, 4),
            "checkBatch" => (Route::Batch, 7),
            "userEvents" => (Route::UserEvents, 3),
            "listEvents" => (Route::Events, 3),
            "putEvent" | "getEvent" | "deleteEvent" => (Route::Event, 6),
            "putCollaborator" | "deleteCollaborator" => (Route::Collaborator, 5),
            "putArea" | "deleteArea" => (Route::Area, 5),
            "assignSlot" | "releaseSlot" => (Route::Slot, 7),
            "attachUser" | "detachUser" => (Route::Attachment, 6),
            "grant" | "revoke" => (Route::Grant, 7),
            "eventUser" => (Route::EventUser, 4),
            "check" => (Route::Check, 7),
            _ => (Route::Other, 2),
        }
    }
}

pub struct RouteSpec {
    pub route: Route,
    /// The path with `{name}` placeholders.
    pub template: String,
    /// Methods the check token may call too (and all of a public route's).
    pub reads: Vec<String>,
    /// Methods for the admin token alone.
    pub writes: Vec<String>,
    /// Served without a token.
    pub public: bool,
    /// Every success it documents is JSON (or has no body).
    pub answers_json: bool,
    pub weight: u32,
}

impl RouteSpec {
    /// The placeholders of the template, in order.
    pub fn placeholders(&self) -> impl Iterator<Item = &str> {
        self.template
            .split('/')
            .filter(|s| s.starts_with('{') && s.ends_with('}'))
    }

    /// Whether the path names an org.
    pub fn has_org(&self) -> bool {
        self.placeholders().any(|p| p == "{org}")
    }
}

/// Paths beside the documented ones, which must answer `404`.
const UNKNOWN: [&str; 8] = [
    "/",
    "/v1/orgs",
    "/v1/orgs/{org}/nothing",
    "/v1/orgs/{org}/events/{event}/slots",
    "/v1/orgs/{org}/events/{event}/users/{user}/grants",
    "/health/",
    "/v1/permissions/{permission}",
    "/V1/orgs/{org}",
];

fn document() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| serde_json::to_value(openapi::document()).unwrap())
}

/// Every permission name, as the document's `Permission` schema lists them.
pub fn permissions() -> &'static [String] {
    static NAMES: OnceLock<Vec<String>> = OnceLock::new();
    NAMES.get_or_init(|| {
        let names = document()["components"]["schemas"]["Permission"]["enum"]
            .as_array()
            .unwrap();
        names
            .iter()
            .map(|n| n.as_str().unwrap().to_string())
            .collect()
    })
}

/// Every route of the document, then the unknown paths.
pub fn routes() -> &'static [RouteSpec] {
    static ROUTES: OnceLock<Vec<RouteSpec>> = OnceLock::new();
    ROUTES.get_or_init(|| {
        let mut table = Vec::new();
        for (path, item) in document()["paths"].as_object().unwrap() {
            let mut spec = RouteSpec {
                route: Route::Other,
                template: path.clone(),
                reads: Vec::new(),
                writes: Vec::new(),
                public: false,
                answers_json: true,
                weight: 0,
            };
            for (method, op) in item.as_object().unwrap() {
                (spec.route, spec.weight) = Route::of(op["operationId"].as_str().unwrap());
                let schemes = schemes(op);
                spec.public = schemes.is_empty();
                spec.answers_json &= answers_json(op);
                let method = method.to_uppercase();
                if spec.public || schemes.contains(&"check_token") {
                    spec.reads.push(method);
                } else {
                    spec.writes.push(method);
                }
            }
            table.push(spec);
        }
        for template in UNKNOWN {
            assert!(
                !table.iter().any(|r| r.template == template),
                "{template} is documented"
            );
            table.push(RouteSpec {
                route: Route::Unknown,
                template: template.to_string(),
                reads: Vec::new(),
                writes: Vec::new(),
                public: false,
                answers_json: true,
                weight: 1,
            });
        }
        table
    })
}

/// The security schemes an operation accepts (none: public).
fn schemes(op: &Value) -> Vec<&str> {
    op["security"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|r| r.as_object().into_iter().flatten().map(|(k, _)| k.as_str()))
        .collect()
}

/// Whether each success an operation documents is JSON or has no body.
fn answers_json(op: &Value) -> bool {
    op["responses"]
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(status, _)| status.starts_with('2'))
        .flat_map(|(_, r)| r["content"].as_object().into_iter().flatten())
        .all(|(media, _)| media == "application/json")
}
