//! A state that touches every kind of write.

use std::collections::BTreeSet;

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::process::*;

pub const ORGS: &[&str] = &["acme", "solo"];
pub const USERS: &[&str] = &[
    "alice", "bob", "carol", "dave", "erin", "frank", "vic", "wes", "pat",
];

/// Orgs, licenses, members, events, collaborators, areas, slots,
/// attachments, grants, renames and deletes of each.
pub async fn populate(s: &Server) {
    let acme = "/v1/orgs/acme";
    let e1 = "/v1/orgs/acme/events/e1";
    let e2 = "/v1/orgs/acme/events/e2";
    s.put(acme, json!({"kind": "team"})).await;
    s.put(
        &format!("{acme}/licenses"),
        json!({"org_standard": 3, "org_pro": 2, "event_pro": 2}),
    )
    .await;
    s.put("/v1/orgs/solo", json!({"kind": "personal", "owner": "pat"}))
        .await;
    s.put("/v1/orgs/solo/licenses", json!({"event_pro": 1}))
        .await;

    s.put(
        &format!("{acme}/members/alice"),
        json!({"license": "org_standard"}),
    )
    .await;
    s.put(&format!("{acme}/members/bob"), json!({"license": null}))
        .await;
    s.put(&format!("{acme}/members/carol"), json!({})).await;
    s.put(
        &format!("{acme}/members/dave"),
        json!({"license": "org_standard"}),
    )
    .await;
    s.delete(&format!("{acme}/members/dave")).await;

    s.put(e1, json!({"name": "Main"})).await;
    s.put_empty(e2).await;
    s.put(&format!("{acme}/events/e3"), json!({"name": "Doomed"}))
        .await;
    s.delete(&format!("{acme}/events/e3")).await;
    s.put(e1, json!({"name": "Main Stage"})).await;

    s.put(&format!("{e1}/collaborators/c1"), json!({"name": "Band"}))
        .await;
    s.put_empty(&format!("{e1}/collaborators/c2")).await;
    s.put(&format!("{e1}/areas/a1"), json!({"name": "main-stage"}))
        .await;
    s.put_empty(&format!("{e1}/areas/a2")).await;

    s.put_empty(&format!("{e1}/slots/carol")).await;
    s.put_empty(&format!("{e1}/slots/erin")).await;
    s.put_empty(&format!("{e2}/slots/frank")).await;
    s.put_empty(&format!("{e2}/slots/bob")).await;
    s.delete(&format!("{e2}/slots/frank")).await;
    let promoted = s
        .put(
            &format!("{acme}/members/bob"),
            json!({"license": "org_pro"}),
        )
        .await;
    assert_eq!(promoted["released_slots"], json!(["e2"]), "{promoted}");

    s.put_empty(&format!("{e1}/collaborators/c1/users/vic"))
        .await;
    s.put(
        &format!("{e1}/collaborators/c1/users/wes"),
        json!({"permissions": ["Collaborator.View", "Collaborator.FileView"]}),
    )
    .await;
    s.delete(&format!("{e1}/collaborators/c1/users/wes")).await;
    s.put_empty(&format!("{e1}/collaborators/c2/users/wes"))
        .await;

    s.put_empty(&format!("{e1}/users/carol/grants/Event.Admin"))
        .await;
    s.put_empty(&format!("{e1}/users/erin/grants/Area.FileUpload?area=a1"))
        .await;
    s.put_empty(&format!("{e1}/users/erin/grants/Area.View?area=a2"))
        .await;
    s.put_empty(&format!(
        "{e1}/users/erin/grants/Collaborator.View?collaborator=c1"
    ))
    .await;
    s.put_empty(&format!(
        "{e1}/users/erin/grants/Collaborator.FileView?collaborator=c2"
    ))
    .await;
    s.put_empty(&format!("{e2}/users/erin/grants/Event.View"))
        .await;
    s.delete(&format!("{e2}/users/erin/grants/Event.View"))
        .await;
    s.put_empty(&format!("{e1}/users/alice/grants/Event.ScheduleEdit"))
        .await;
    s.put_empty(&format!("{e2}/users/bob/grants/Event.Update"))
        .await;
    // Deleting a collaborator or area drops its scoped grants and
    // attachments.
    s.delete(&format!("{e1}/collaborators/c2")).await;
    s.delete(&format!("{e1}/areas/a2")).await;

    s.put_empty("/v1/orgs/solo/events/s1").await;
    s.put_empty("/v1/orgs/solo/events/s1/slots/pat").await;
    s.put_empty("/v1/orgs/solo/events/s1/users/pat/grants/Event.Admin")
        .await;

    s.put(&format!("{acme}/licenses"), json!({"org_standard": 2}))
        .await;
}

/// Spot checks of [`populate`]'s state, so a dump comparison can never pass
/// on two empty states.
pub async fn assert_populated(s: &Server) {
    let acme = "/v1/orgs/acme";
    let e1 = s.get(&format!("{acme}/events/e1")).await;
    assert_eq!(e1["name"], "Main Stage", "{e1}");
    assert_eq!(e1["slots"]["holders"], json!(["carol", "erin"]), "{e1}");
    assert_eq!(e1["collaborators"], json!(["c1"]), "{e1}");
    assert_eq!(e1["areas"], json!(["a1"]), "{e1}");
    let e2 = s.get(&format!("{acme}/events/e2")).await;
    assert_eq!(e2["slots"]["holders"], json!([]), "{e2}");
    assert_eq!(
        s.status_of(&format!("{acme}/events/e3")).await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        s.status_of(&format!("{acme}/members/dave")).await,
        StatusCode::NOT_FOUND
    );
    let bob = s.get(&format!("{acme}/members/bob")).await;
    assert_eq!(bob["license"], "org_pro");
    let org = s.get(acme).await;
    assert_eq!(org["licenses"]["org_standard"]["total"], 2, "{org}");
    assert_eq!(org["licenses"]["org_standard"]["used"], 1, "{org}");
    assert_eq!(org["licenses"]["org_pro"]["used"], 1, "{org}");
    assert_eq!(org["licenses"]["event_pro"]["total"], 2, "{org}");
    let vic = s.get(&format!("{acme}/events/e1/users/vic")).await;
    assert_eq!(vic["license"], "collaborator", "{vic}");
    assert_eq!(vic["grants"].as_array().map(Vec::len), Some(6), "{vic}");
    let wes = s.get(&format!("{acme}/events/e1/users/wes")).await;
    assert_eq!(wes["collaborators"], json!([]), "{wes}");
    let grants: BTreeSet<String> = wes["grants"]
        .as_array()
        .expect("grants")
        .iter()
        .map(Value::to_string)
        .collect();
    let expected: BTreeSet<String> = [
        json!({"permission": "Collaborator.FileView", "collaborator": "c1"}),
        json!({"permission": "Collaborator.View", "collaborator": "c1"}),
    ]
    .iter()
    .map(Value::to_string)
    .collect();
    assert_eq!(grants, expected, "{wes}");
    let erin = s.get(&format!("{acme}/events/e1/users/erin")).await;
    assert_eq!(erin["grants"].as_array().map(Vec::len), Some(2), "{erin}");
    let erin2 = s.get(&format!("{acme}/events/e2/users/erin")).await;
    assert_eq!(erin2["grants"], json!([]), "{erin2}");
    let s1 = s.get("/v1/orgs/solo/events/s1").await;
    assert_eq!(s1["slots"]["holders"], json!(["pat"]), "{s1}");
}
