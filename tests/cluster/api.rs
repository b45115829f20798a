//! The API through HAProxy in front of three nodes and two shards: orgs
//! land on their shard's leader wherever the client sends them, writes are
//! answered once committed, reads see them, and refusals are the same as
//! on one process.

use reqwest::Method;
use serde_json::json;

use gatehouse::cluster::shard_of;

use super::nodes::{TestCluster, CHECK_TOKEN};

#[actix_web::test]
async fn the_api_through_the_proxy_behaves_as_one_server() {
    let cluster = TestCluster::start(3, 2).await;
    // Orgs on both shards.
    let orgs: Vec<String> = (0..)
        .map(|i| format!("org-{i}"))
        .scan([0, 0], |seen, id| {
            let s = shard_of(&id, 2) as usize;
            seen[s] += 1;
            Some((seen[s] <= 2).then_some(id))
        })
        .flatten()
        .take(4)
        .collect();
    for org in &orgs {
        let (status, body) = cluster
            .call(
                Method::PUT,
                &format!("/v1/orgs/{org}"),
                Some(json!({"kind": "team"})),
            )
            .await;
        assert_eq!(status, 201, "{org}: {body}");
        let (status, _) = cluster
            .call(
                Method::PUT,
                &format!("/v1/orgs/{org}"),
                Some(json!({"kind": "team"})),
            )
            .await;
        assert_eq!(status, 200, "a second PUT of the same org");
        let (status, body) = cluster
            .call(
                Method::PUT,
                &format!("/v1/orgs/{org}/licenses"),
                Some(json!({"event_pro": 1})),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        let e = format!("/v1/orgs/{org}/events/e1");
        assert_eq!(cluster.call(Method::PUT, &e, None).await.0, 201);
        assert_eq!(
            cluster
                .call(Method::PUT, &format!("{e}/slots/amy"), None)
                .await
                .0,
            201
        );
        // The pool of one is full: refused, as on one process.
        let (status, body) = cluster
            .call(Method::PUT, &format!("{e}/slots/bob"), None)
            .await;
        assert_eq!(status, 409, "{body}");
        let grant = format!("{e}/users/amy/grants/Event.View");
        assert_eq!(cluster.call(Method::PUT, &grant, None).await.0, 201);
        let check = format!("{e}/check?user=amy&permission=Event.View");
        let (status, body) = cluster
            .call_as(CHECK_TOKEN, Method::GET, &check, None)
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["allowed"], true, "{body}");
        let check = format!("{e}/check?user=bob&permission=Event.View");
        let (_, body) = cluster
            .call_as(CHECK_TOKEN, Method::GET, &check, None)
            .await;
        assert_eq!(
            (&body["allowed"], &body["reason"]),
            (&json!(false), &json!("no_license"))
        );
        // The check token may not write, through the proxy too.
        let (status, _) = cluster
            .call_as(CHECK_TOKEN, Method::PUT, &format!("{e}/slots/cy"), None)
            .await;
        assert_eq!(status, 403);
        let (status, body) = cluster.call(Method::GET, &e, None).await;
        assert_eq!(status, 200);
        assert_eq!(body["slots"]["holders"], json!(["amy"]), "{body}");
    }
    let (status, _) = cluster
        .call(Method::GET, "/v1/orgs/nobody-here", None)
        .await;
    assert_eq!(status, 404);
    let (status, _) = cluster.call(Method::GET, "/v1/permissions", None).await;
    assert_eq!(status, 200);

    // Asked directly, a node that does not lead the org's shard says so
    // and names the leader.
    let org = &orgs[0];
    let shard = shard_of(org, 2);
    let leader = cluster
        .leader(shard, std::time::Duration::from_secs(5))
        .await;
    let other = (leader + 1) % 3;
    let response = cluster
        .client
        .get(format!("{}/v1/orgs/{org}", cluster.nodes[other].base))
        .bearer_auth(super::nodes::TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 503);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"], "not_leader");
    assert_eq!(
        body["leader"],
        cluster.nodes[leader].base.trim_start_matches("http://"),
        "{body}"
    );
    // GET /v1/cluster: the leader knows how far every replica is; every
    // node names the leader.
    for (i, node) in cluster.nodes.iter().enumerate() {
        let view: serde_json::Value = cluster
            .client
            .get(format!("{}/v1/cluster", node.base))
            .bearer_auth(CHECK_TOKEN)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(view["node"], node.id, "{view}");
        let s = &view["shards"][shard as usize];
        assert_eq!(s["shard"], shard);
        assert_eq!(s["leader"], cluster.nodes[leader].id, "{view}");
        assert!(s["commit_index"].as_u64().unwrap() > 0, "{view}");
        let replicas = s["replicas"].as_array().unwrap();
        assert_eq!(replicas.len(), 3, "{view}");
        if i == leader {
            assert!(
                replicas
                    .iter()
                    .all(|r| r["matched_index"].as_u64().is_some()),
                "{view}"
            );
        }
    }
    // Without a token it is 401 first, as everywhere.
    let response = cluster
        .client
        .get(format!("{}/v1/orgs/{org}", cluster.nodes[other].base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
}
