//! HAProxy, on the configuration `gatehouse cluster haproxy` prints, sends
//! each org to the leader of the shard [`shard_of`] names: checked on stub
//! nodes that answer the leader route for the shards they lead and say who
//! they are on every other route.

use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::dev::Server;
use actix_web::{web, App, HttpResponse, HttpServer};
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};

use gatehouse::cluster::shard_of;

use super::proxy::{free_port, Proxy};

const SHARDS: u32 = 5;

/// Which node leads which shard, as the stubs see it: they read it at
/// each request, so a test can move a shard's leader.
type Leaders = Arc<Vec<AtomicUsize>>;

/// A node that leads the shards `leaders` gives it: `200` on their leader
/// route, `503` on the others, like the real server; on an org route, its
/// own name and the org segment (as actix-web decodes it, as the real
/// server does) if it leads the org's shard, else `503 not_leader`.
fn stub(index: usize, shards: u32, leaders: Leaders, listener: TcpListener) -> Server {
    HttpServer::new(move || {
        let (on_check, on_org) = (leaders.clone(), leaders.clone());
        App::new()
            .route(
                "/v1/cluster/shards/{s}/leader",
                web::get().to(move |s: web::Path<usize>| {
                    let leads = on_check[*s].load(Ordering::SeqCst) == index;
                    async move {
                        if leads {
                            HttpResponse::Ok().json(json!({"leader": index}))
                        } else {
                            HttpResponse::ServiceUnavailable().json(json!({"error": "not_leader"}))
                        }
                    }
                }),
            )
            .service(web::scope("/v1/orgs/{org}").default_service(web::to(
                move |org: web::Path<String>| {
                    let org = org.into_inner();
                    let shard = shard_of(&org, shards) as usize;
                    let leads = on_org[shard].load(Ordering::SeqCst) == index;
                    async move {
                        if leads {
                            HttpResponse::Ok().json(json!({"node": index, "org": org}))
                        } else {
                            HttpResponse::ServiceUnavailable().json(json!({"error": "not_leader"}))
                        }
                    }
                },
            )))
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .run()
}

/// `nodes` stub nodes and the cluster file naming them, with `tables`
/// (`[[shard]]` tables) appended.
fn start_stubs(nodes: usize, shards: u32, leaders: &Leaders, tables: &str) -> String {
    let mut text = format!("shards = {shards}\n");
    for i in 0..nodes {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        actix_web::rt::spawn(stub(i, shards, leaders.clone(), listener));
        text += &format!(
            "[[nodes]]\nid = \"n{i}\"\naddr = \"127.0.0.1:{port}\"\nraft_addr = \"127.0.0.1:{}\"\n",
            free_port()
        );
    }
    text + tables
}

/// Polls `url` through the proxy until it answers `200`.
async fn until_routed(client: &reqwest::Client, proxy: &mut Proxy, url: &str) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        proxy.assert_running();
        // Refused until HAProxy listens.
        if let Ok(r) = client.get(url).send().await {
            if r.status() == 200 {
                return;
            }
        }
        assert!(
            Instant::now() < deadline,
            "the proxy never routed {url}; it said:\n{}",
            proxy.output()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Ids the server accepts: every allowed byte, every length up to 128.
fn ids(n: usize) -> Vec<String> {
    const ALLOWED: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:@+-";
    let mut rng = rand::rngs::StdRng::seed_from_u64(18);
    let mut out: Vec<String> = [
        "+", "a+b", "@", ":", "-", "_", "a.", ".a", "x@y:z", "+-_.:@",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain(std::iter::once("z".repeat(128)))
    .collect();
    while out.len() < n {
        let len = if rng.gen_bool(0.1) {
            128
        } else {
            rng.gen_range(1..=40)
        };
        let id: String = (0..len)
            .map(|_| ALLOWED[rng.gen_range(0..ALLOWED.len())] as char)
            .collect();
        if !id.bytes().all(|b| b == b'.') {
            out.push(id);
        }
    }
    out
}

/// The id as a path segment with some of its bytes percent-encoded (a
/// client may; the server decodes them), never `+`, which a path keeps.
fn some_escaped(id: &str, rng: &mut impl Rng) -> String {
    id.chars()
        .map(|c| {
            if c != '+' && rng.gen_bool(0.3) {
                if rng.gen_bool(0.5) {
                    format!("%{:02X}", c as u32)
                } else {
                    format!("%{:02x}", c as u32)
                }
            } else {
                c.to_string()
            }
        })
        .collect()
}

async fn ask(client: &reqwest::Client, url: &str) -> (u16, Value) {
    let r = client.get(url).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// Each shard on a node of its own, so the node that answers names the
/// backend HAProxy picked: for every id, it is the shard `shard_of` names.
#[actix_web::test]
async fn haproxy_sends_every_org_to_the_shard_the_server_computes() {
    let leaders: Leaders = Arc::new((0..SHARDS as usize).map(AtomicUsize::new).collect());
    let tables: String = (0..SHARDS)
        .map(|s| format!("[[shard]]\nid = {s}\nreplicas = [\"n{s}\"]\n"))
        .collect();
    let cluster = start_stubs(SHARDS as usize, SHARDS, &leaders, &tables);
    let dir = tempfile::tempdir().unwrap();
    let mut proxy = Proxy::start(&cluster, dir.path());
    let client = reqwest::Client::new();
    for s in 0..SHARDS {
        let id = (0..)
            .map(|i| format!("probe{i}"))
            .find(|id| shard_of(id, SHARDS) == s)
            .unwrap();
        let url = format!("{}/v1/orgs/{id}/check", proxy.address);
        until_routed(&client, &mut proxy, &url).await;
    }

    let mut rng = rand::rngs::StdRng::seed_from_u64(5);
    let mut per_shard = [0usize; SHARDS as usize];
    for (n, id) in ids(1_200).iter().enumerate() {
        let segment = if n % 3 == 0 {
            some_escaped(id, &mut rng)
        } else {
            id.clone()
        };
        let tail = ["check", "events/e1/slots/u", "members/u", ""][n % 4];
        let url = format!("{}/v1/orgs/{segment}/{tail}", proxy.address);
        let (status, body) = ask(&client, &url).await;
        let shard = shard_of(id, SHARDS);
        assert_eq!(status, 200, "{url} (shard {shard}): {body}");
        assert_eq!(body["org"], id.as_str(), "{url}: the node saw another org");
        assert_eq!(body["node"], shard, "{url}: org {id:?} is in shard {shard}");
        per_shard[shard as usize] += 1;
    }
    // Every shard got a fair part of the ids (so every backend was tried).
    assert!(per_shard.iter().all(|&n| n > 150), "{per_shard:?}");
}

/// One shard on three nodes: HAProxy finds the leader by its health check;
/// when the leader moves, a client sees at worst `503` (never another
/// error) until the checks find the new one, within a few check periods,
/// and then only answers from it.
#[actix_web::test]
async fn haproxy_follows_the_leader_and_clients_see_at_worst_503() {
    let leaders: Leaders = Arc::new(vec![AtomicUsize::new(1)]);
    let cluster = start_stubs(3, 1, &leaders, "");
    let dir = tempfile::tempdir().unwrap();
    let mut proxy = Proxy::start(&cluster, dir.path());
    let client = reqwest::Client::new();
    let address = proxy.address.clone();
    let url = |i: usize| format!("{address}/v1/orgs/org{i}/members/u");
    until_routed(&client, &mut proxy, &url(0)).await;
    let put = |i: usize| {
        let request = client.put(url(i)).body("{\"license\":\"org_pro\"}").send();
        async move {
            let r = request.await.expect("an answer, never a closed connection");
            let status = r.status().as_u16();
            (status, r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    for leader in [1, 2, 0, 2] {
        leaders[0].store(leader, Ordering::SeqCst);
        let moved = Instant::now();
        let mut i = 0;
        loop {
            let (status, body) = put(i).await;
            i += 1;
            if status == 200 && body["node"] == leader {
                break;
            }
            assert_eq!(status, 503, "while the leader moves to {leader}: {body}");
            assert!(
                moved.elapsed() < Duration::from_secs(3),
                "the proxy did not find leader {leader}:\n{}",
                proxy.output()
            );
        }
        for i in 0..60 {
            let (status, body) = put(i).await;
            assert_eq!((status, &body["node"]), (200, &json!(leader)), "{body}");
        }
    }
}
