//! The reference org, built before fuzzing and never validly written to,
//! and the orgs the fuzzer writes to.

use crate::client::{must, put_all, send, Request};
use crate::CHECK;

pub const REF_ORG: &str = "ref-org";
pub const REF_EVENTS: [&str; 2] = ["ref-ev", "ref-ev2"];
pub const REF_USERS: [&str; 8] = [
    "alice", "bob", "carol", "dave", "erin", "frank", "gina", "nobody",
];

pub fn build_reference(port: u16) {
    let o = format!("/v1/orgs/{REF_ORG}");
    let e = format!("{o}/events/ref-ev");
    must(port, "PUT", &o, Some(r#"{"kind":"team"}"#));
    must(
        port,
        "PUT",
        &format!("{o}/licenses"),
        Some(r#"{"org_standard":3,"org_pro":2,"event_pro":3}"#),
    );
    for (user, license) in [
        ("alice", r#"{"license":"org_standard"}"#),
        ("bob", r#"{"license":"org_pro"}"#),
        ("carol", r#"{"license":null}"#),
    ] {
        must(port, "PUT", &format!("{o}/members/{user}"), Some(license));
    }
    must(port, "PUT", &e, Some(r#"{"name":"Reference night"}"#));
    must(port, "PUT", &format!("{o}/events/ref-ev2"), None);
    must(
        port,
        "PUT",
        &format!("{e}/collaborators/band"),
        Some(r#"{"name":"The Band"}"#),
    );
    must(port, "PUT", &format!("{e}/areas/main-stage"), None);
    for user in ["dave", "erin"] {
        must(port, "PUT", &format!("{e}/slots/{user}"), None);
    }
    must(
        port,
        "PUT",
        &format!("{o}/events/ref-ev2/slots/alice"),
        None,
    );
    must(
        port,
        "PUT",
        &format!("{e}/collaborators/band/users/frank"),
        None,
    );
    must(
        port,
        "PUT",
        &format!("{e}/collaborators/band/users/gina"),
        Some(r#"{"permissions":["Collaborator.View","Collaborator.FileUpload"]}"#),
    );
    for grant in [
        "dave/grants/Event.Admin",
        "erin/grants/Area.FileUpload?area=main-stage",
        "frank/grants/Collaborator.ScheduleEdit?collaborator=band",
        "alice/grants/Event.View",
        "carol/grants/Event.FileUpload",
    ] {
        must(port, "PUT", &format!("{e}/users/{grant}"), None);
    }
}

/// Every read of the reference org, in a fixed order: (what, status, body).
pub fn reference_views(port: u16) -> Vec<(String, u16, Vec<u8>)> {
    let o = format!("/v1/orgs/{REF_ORG}");
    let mut reads = vec![o.clone(), format!("{o}/members"), format!("{o}/events")];
    for event in REF_EVENTS {
        reads.push(format!("{o}/events/{event}"));
        for user in REF_USERS {
            reads.push(format!("{o}/events/{event}/users/{user}"));
            reads.push(format!(
                "{o}/events/{event}/check?user={user}&permission=Collaborator.AdvanceEdit&collaborator=band"
            ));
        }
    }
    for user in REF_USERS {
        reads.push(format!("{o}/members/{user}"));
        reads.push(format!("{o}/users/{user}/events"));
        reads.push(format!("{o}/access?user={user}"));
    }
    let mut views: Vec<(String, u16, Vec<u8>)> = reads
        .into_iter()
        .map(|path| {
            let r = send(port, &Request::new("GET", path.clone()).admin()).unwrap();
            (format!("GET {path}"), r.status, r.body)
        })
        .collect();
    let mut checks = Vec::new();
    for event in REF_EVENTS {
        for user in REF_USERS {
            for (permission, scope) in [
                ("Event.Update", ""),
                ("Area.ScheduleEdit", r#","area":"main-stage""#),
                ("Collaborator.FileView", r#","collaborator":"band""#),
            ] {
                checks.push(format!(
                    r#"{{"event":"{event}","user":"{user}","permission":"{permission}"{scope}}}"#
                ));
            }
        }
    }
    let batch = format!(r#"{{"checks":[{}]}}"#, checks.join(","));
    let r = send(
        port,
        &Request::new("POST", format!("{o}/check"))
            .bearer(CHECK)
            .json(batch),
    )
    .unwrap();
    views.push((format!("POST {o}/check"), r.status, r.body));
    views
}

pub fn build_fuzz_orgs(port: u16) {
    put_all(
        port,
        &[
            ("/v1/orgs/fz-team", Some(r#"{"kind":"team"}"#)),
            (
                "/v1/orgs/fz-team/licenses",
                Some(r#"{"org_standard":2,"org_pro":1,"event_pro":2}"#),
            ),
            (
                "/v1/orgs/fz-team/members/u1",
                Some(r#"{"license":"org_standard"}"#),
            ),
            ("/v1/orgs/fz-team/events/fe1", None),
            ("/v1/orgs/fz-team/events/fe2", None),
            ("/v1/orgs/fz-team/events/fe1/collaborators/c1", None),
            ("/v1/orgs/fz-team/events/fe1/areas/a1", None),
            ("/v1/orgs/fz-team/events/fe1/slots/u2", None),
            (
                "/v1/orgs/fz-pers",
                Some(r#"{"kind":"personal","owner":"owner1"}"#),
            ),
            ("/v1/orgs/fz-pers/licenses", Some(r#"{"event_pro":1}"#)),
            ("/v1/orgs/fz-pers/events/pe1", None),
        ],
    );
}
