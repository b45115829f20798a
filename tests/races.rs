#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! Racing changes against the Event Pro rules of SPEC §1: at most
//! `event_pro` users hold a slot on one event at any instant; lowering
//! `event_pro` below the slots in use is refused whole (`409
//! licenses_in_use`); Org Pro releases a member's slots and an Org Pro
//! holder never gets one.
//!
//! Many requests are in flight at once over HTTP (the server runs on its own
//! worker threads); every answer is logged with the instants it was sent and
//! answered, and the logs are checked against each other afterwards. The
//! random choices are seeded (`GATEHOUSE_RACE_SEED` overrides), the
//! interleavings are whatever the server makes of them.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use futures_util::future::{join, join_all};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use reqwest::Method;
use serde_json::{json, Value};

mod common;

use common::ADMIN_TOKEN as ADMIN;

const SEED: u64 = 0x7ace_5eed_0001;

/// The server, with no periodic snapshots.
struct Api(common::Server);

/// An answer: status, JSON body (`Null` when empty), and when the request
/// was sent and answered.
#[derive(Clone, Debug)]
struct Answer {
    status: u16,
    body: Value,
    sent: Instant,
    answered: Instant,
}

impl Answer {
    fn code(&self) -> &str {
        self.body["error"].as_str().unwrap_or("")
    }
}

async fn start() -> Api {
    Api(common::start(common::Options::no_snapshots()).await)
}

impl Api {
    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Answer {
        let mut request = self
            .0
            .client
            .request(method.clone(), format!("{}{path}", self.0.address))
            .bearer_auth(ADMIN);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let sent = Instant::now();
        let response = request
            .send()
            .await
            .unwrap_or_else(|e| panic!("{method} {path}: no answer: {e}"));
        let status = response.status().as_u16();
        let bytes = response.bytes().await.unwrap();
        let answered = Instant::now();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or_else(|_| {
                panic!(
                    "{method} {path}: {status} with a non-JSON body {:?}",
                    String::from_utf8_lossy(&bytes)
                )
            })
        };
        Answer {
            status,
            body,
            sent,
            answered,
        }
    }

    async fn get(&self, path: impl AsRef<str>) -> Answer {
        self.call(Method::GET, path.as_ref(), None).await
    }

    async fn put(&self, path: impl AsRef<str>, body: Option<Value>) -> Answer {
        self.call(Method::PUT, path.as_ref(), body).await
    }

    async fn delete(&self, path: impl AsRef<str>) -> Answer {
        self.call(Method::DELETE, path.as_ref(), None).await
    }

    /// A setup request that must succeed.
    async fn ok(&self, path: &str, body: Option<Value>) -> Value {
        let a = self.put(path, body.clone()).await;
        assert!(
            (200..300).contains(&a.status),
            "setup PUT {path} {body:?}: {} {}",
            a.status,
            a.body
        );
        a.body
    }
}

/// `GET` of an event, checked for its own consistency: `used` is the number
/// of holders, at most `total`, with no one twice.
#[derive(Clone, Debug)]
struct Sample {
    event: String,
    total: u64,
    holders: Vec<String>,
    sent: Instant,
    answered: Instant,
}

fn sample_of(event: &str, a: &Answer, problems: &RefCell<Vec<String>>) -> Option<Sample> {
    if a.status != 200 {
        problems
            .borrow_mut()
            .push(format!("GET event {event}: {} {}", a.status, a.body));
        return None;
    }
    let slots = &a.body["slots"];
    let holders: Vec<String> = slots["holders"]
        .as_array()
        .map(|h| {
            h.iter()
                .filter_map(|u| u.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    let used = slots["used"].as_u64();
    let total = slots["total"].as_u64();
    let distinct: BTreeSet<&String> = holders.iter().collect();
    match (used, total) {
        (Some(used), Some(total))
            if used == holders.len() as u64 && used <= total && distinct.len() == holders.len() => {
        }
        _ => problems
            .borrow_mut()
            .push(format!("event {event} is inconsistent: {}", a.body)),
    }
    Some(Sample {
        event: event.to_string(),
        total: total.unwrap_or(0),
        holders,
        sent: a.sent,
        answered: a.answered,
    })
}

#[derive(Debug)]
struct LicenseChange {
    value: u64,
    answer: Answer,
}

#[derive(Debug)]
struct MemberChange {
    user: String,
    to_pro: bool,
    answer: Answer,
}

#[derive(Debug)]
struct SlotChange {
    user: String,
    event: String,
    claim: bool,
    answer: Answer,
}

const EVENTS: [&str; 3] = ["ev0", "ev1", "ev2"];
const MEMBERS: [&str; 6] = ["m0", "m1", "m2", "m3", "m4", "m5"];
const OUTSIDERS: [&str; 6] = ["x0", "x1", "x2", "x3", "x4", "x5"];
const SLOT_TASKS: u64 = 16;
const SLOT_ITERATIONS: usize = 200;
/// An upper bound for the license and member tasks, which otherwise run as
/// long as the slot tasks do.
const SIDE_ITERATIONS: usize = 400;

#[actix_web::test]
async fn racing_slots_license_changes_and_org_pro_keep_every_invariant() {
    let api = start().await;
    let seed = common::seed("GATEHOUSE_RACE_SEED", SEED);
    let org = "/v1/orgs/race";
    api.ok(org, Some(json!({"kind": "team"}))).await;
    api.ok(
        &format!("{org}/licenses"),
        Some(json!({"org_standard": 8, "org_pro": 3, "event_pro": 4})),
    )
    .await;
    for m in MEMBERS {
        api.ok(
            &format!("{org}/members/{m}"),
            Some(json!({"license": "org_standard"})),
        )
        .await;
    }
    for e in EVENTS {
        api.ok(&format!("{org}/events/{e}"), None).await;
    }
    let users: Vec<&str> = MEMBERS.iter().chain(&OUTSIDERS).copied().collect();

    let problems = RefCell::new(Vec::<String>::new());
    let slot_log = RefCell::new(Vec::<SlotChange>::new());
    let license_log = RefCell::new(Vec::<LicenseChange>::new());
    let member_log = RefCell::new(Vec::<MemberChange>::new());
    let samples = RefCell::new(Vec::<Sample>::new());
    let slots_done = Cell::new(false);
    let all_done = Cell::new(false);
    let started = Instant::now();

    let slot_tasks = join_all((0..SLOT_TASKS).map(|task| {
        let (api, users, problems, slot_log) = (&api, &users, &problems, &slot_log);
        async move {
            let mut rng = StdRng::seed_from_u64(seed.wrapping_add(task));
            for _ in 0..SLOT_ITERATIONS {
                let user = *users.choose(&mut rng).unwrap();
                let event = *EVENTS.choose(&mut rng).unwrap();
                let path = format!("{org}/events/{event}/slots/{user}");
                let claim = rng.gen_bool(0.5);
                let answer = if claim {
                    api.put(&path, None).await
                } else {
                    api.delete(&path).await
                };
                let fine = match (claim, answer.status, answer.code()) {
                    (true, 200 | 201, _) => answer.body == json!({"event": event, "user": user}),
                    (true, 409, "no_slot_available" | "org_pro_holder") => true,
                    (false, 204, _) | (false, 404, "slot_not_found") => true,
                    _ => false,
                };
                if !fine {
                    problems.borrow_mut().push(format!(
                        "{} {path}: {} {}",
                        if claim { "PUT" } else { "DELETE" },
                        answer.status,
                        answer.body
                    ));
                }
                slot_log.borrow_mut().push(SlotChange {
                    user: user.to_string(),
                    event: event.to_string(),
                    claim,
                    answer,
                });
            }
        }
    }));
    let slot_tasks = async {
        slot_tasks.await;
        slots_done.set(true);
    };

    // Lowers and raises event_pro; it is the only writer of the pools, so
    // between its answers the value in force is known exactly.
    let license_task = async {
        let mut rng = StdRng::seed_from_u64(seed ^ 0x11c3);
        let mut in_force = 4u64;
        let mut fullest = 4u64;
        for _ in 0..SIDE_ITERATIONS {
            if slots_done.get() {
                break;
            }
            // Half the time, lower to exactly what the fullest event used a
            // moment ago, racing the claims that may fill it meanwhile.
            let value = if rng.gen_bool(0.5) {
                fullest.clamp(1, 6)
            } else {
                rng.gen_range(1..=6u64)
            };
            let answer = api
                .put(
                    &format!("{org}/licenses"),
                    Some(json!({"event_pro": value})),
                )
                .await;
            match (answer.status, answer.code()) {
                (200, _) => {
                    if answer.body["licenses"]["event_pro"]["total"] != json!(value) {
                        problems.borrow_mut().push(format!(
                            "event_pro set to {value}, the org says {}",
                            answer.body
                        ));
                    }
                    in_force = value;
                }
                (409, "licenses_in_use") => {
                    let listed = answer.body["events"]
                        .as_array()
                        .cloned()
                        .unwrap_or_default();
                    let legal = !listed.is_empty()
                        && listed.iter().all(|e| {
                            e["event"].as_str().is_some_and(|id| EVENTS.contains(&id))
                                && e["used"].as_u64().is_some_and(|used| used > value)
                        });
                    if !legal {
                        problems.borrow_mut().push(format!(
                            "event_pro {value} refused with a wrong list: {}",
                            answer.body
                        ));
                    }
                }
                _ => problems.borrow_mut().push(format!(
                    "event_pro {value}: {} {}",
                    answer.status, answer.body
                )),
            }
            license_log
                .borrow_mut()
                .push(LicenseChange { value, answer });
            // Until the next change, `in_force` is the count: no event may
            // show more holders, and a refused change left it as it was.
            let (org_now, events) = join(
                api.get(org),
                join_all(EVENTS.iter().map(|e| api.get(format!("{org}/events/{e}")))),
            )
            .await;
            if org_now.body["licenses"]["event_pro"]["total"] != json!(in_force) {
                problems.borrow_mut().push(format!(
                    "event_pro in force is {in_force}, the org says {}",
                    org_now.body
                ));
            }
            fullest = org_now.body["licenses"]["event_pro"]["max_used"]
                .as_u64()
                .unwrap_or(in_force);
            for (event, a) in EVENTS.iter().zip(&events) {
                if let Some(s) = sample_of(event, a, &problems) {
                    if s.holders.len() as u64 > in_force || s.total != in_force {
                        problems.borrow_mut().push(format!(
                            "with event_pro {in_force} in force, event {event} shows {}",
                            a.body["slots"]
                        ));
                    }
                    samples.borrow_mut().push(s);
                }
            }
        }
    };

    // Gives members Org Pro and takes it back; it is the only writer of
    // member licenses, so after it gives Org Pro the member holds it until
    // its next change of that member.
    let member_task = async {
        let mut rng = StdRng::seed_from_u64(seed ^ 0x0e9e);
        for _ in 0..SIDE_ITERATIONS {
            if slots_done.get() {
                break;
            }
            let user = *MEMBERS.choose(&mut rng).unwrap();
            let to_pro = rng.gen_bool(0.5);
            let license = if to_pro { "org_pro" } else { "org_standard" };
            let answer = api
                .put(
                    &format!("{org}/members/{user}"),
                    Some(json!({ "license": license })),
                )
                .await;
            match (answer.status, answer.code()) {
                (200, _) => {
                    let released = answer.body["released_slots"].as_array();
                    if answer.body["license"] != json!(license)
                        || !released.is_some_and(|r| {
                            r.iter()
                                .all(|e| e.as_str().is_some_and(|id| EVENTS.contains(&id)))
                        })
                    {
                        problems
                            .borrow_mut()
                            .push(format!("member {user} → {license}: {}", answer.body));
                    }
                    if to_pro {
                        let events =
                            join_all(EVENTS.iter().map(|e| api.get(format!("{org}/events/{e}"))))
                                .await;
                        for (event, a) in EVENTS.iter().zip(&events) {
                            if let Some(s) = sample_of(event, a, &problems) {
                                if s.holders.iter().any(|h| h == user) {
                                    problems.borrow_mut().push(format!(
                                        "{user} was given Org Pro and still holds a slot on {event}: {}",
                                        a.body["slots"]
                                    ));
                                }
                                samples.borrow_mut().push(s);
                            }
                        }
                    }
                }
                (409, "no_seat_available") if to_pro => {}
                _ => problems.borrow_mut().push(format!(
                    "member {user} → {license}: {} {}",
                    answer.status, answer.body
                )),
            }
            member_log.borrow_mut().push(MemberChange {
                user: user.to_string(),
                to_pro,
                answer,
            });
        }
    };

    let observer = async {
        while !all_done.get() {
            let answers =
                join_all(EVENTS.iter().map(|e| api.get(format!("{org}/events/{e}")))).await;
            for (event, a) in EVENTS.iter().zip(&answers) {
                if let Some(s) = sample_of(event, a, &problems) {
                    samples.borrow_mut().push(s);
                }
            }
        }
    };

    let workers = async {
        futures_util::future::join3(slot_tasks, license_task, member_task).await;
        all_done.set(true);
    };
    join(workers, observer).await;
    let elapsed = started.elapsed();

    // --- After the race: the logs against each other ---
    let license_log = license_log.into_inner();
    let member_log = member_log.into_inner();
    let slot_log = slot_log.into_inner();
    let samples = samples.into_inner();
    let mut problems = problems.into_inner();

    // The value in force at any instant of a sample's window: the last
    // change answered before it was sent, or any change sent before it was
    // answered.
    let applied: Vec<&LicenseChange> = license_log
        .iter()
        .filter(|c| c.answer.status == 200)
        .collect();
    let refused_values_seen = RefCell::new(0usize);
    for s in &samples {
        let before = applied
            .iter()
            .rposition(|c| c.answer.answered < s.sent)
            .map_or(4, |i| applied[i].value);
        let mut possible = vec![before];
        possible.extend(
            applied
                .iter()
                .filter(|c| c.answer.answered >= s.sent && c.answer.sent <= s.answered)
                .map(|c| c.value),
        );
        let bound = *possible.iter().max().unwrap();
        if s.holders.len() as u64 > bound {
            problems.push(format!(
                "event {} was seen with {} holders {:?} while event_pro in force was one of {possible:?}",
                s.event,
                s.holders.len(),
                s.holders
            ));
        }
        if !possible.contains(&s.total) {
            // A refused lowering is tried on the events before it is
            // refused: it may show for a moment.
            let refused_in_window = license_log.iter().any(|c| {
                c.answer.status == 409
                    && c.value == s.total
                    && c.answer.sent <= s.answered
                    && c.answer.answered >= s.sent
            });
            if refused_in_window {
                *refused_values_seen.borrow_mut() += 1;
            } else {
                problems.push(format!(
                    "event {} showed {} slots while event_pro in force was one of {possible:?}",
                    s.event, s.total
                ));
            }
        }
    }

    // Org Pro windows: from the answer giving it to the next change of the
    // same member. No slot may be given, or seen held, inside one.
    let mut pro_windows: Vec<(&str, Instant, Option<Instant>)> = Vec::new();
    for (i, c) in member_log.iter().enumerate() {
        if c.to_pro && c.answer.status == 200 {
            let until = member_log[i + 1..]
                .iter()
                .find(|n| n.user == c.user)
                .map(|n| n.answer.sent);
            pro_windows.push((&c.user, c.answer.answered, until));
        }
    }
    let inside = |user: &str, from: Instant, to: Instant| {
        pro_windows
            .iter()
            .any(|(u, start, end)| *u == user && from > *start && end.is_none_or(|e| to < e))
    };
    for c in &slot_log {
        if c.claim
            && matches!(c.answer.status, 200 | 201)
            && inside(&c.user, c.answer.sent, c.answer.answered)
        {
            problems.push(format!(
                "a slot on {} was given to {} while they held Org Pro",
                c.event, c.user
            ));
        }
    }
    for s in &samples {
        for h in &s.holders {
            if inside(h, s.sent, s.answered) {
                problems.push(format!(
                    "{h} held a slot on {} while holding Org Pro",
                    s.event
                ));
            }
        }
    }

    // --- After the race: the final state ---
    let org_now = api.get(org).await.body;
    let event_pro = org_now["licenses"]["event_pro"]["total"].as_u64().unwrap();
    let last_applied = applied.last().map_or(4, |c| c.value);
    if event_pro != last_applied {
        problems.push(format!(
            "event_pro is {event_pro}, the last accepted change set {last_applied}"
        ));
    }
    let members = api.get(&format!("{org}/members")).await.body;
    let pro: BTreeSet<String> = members["members"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["license"] == "org_pro")
        .map(|m| m["user"].as_str().unwrap().to_string())
        .collect();
    let standard = members["members"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["license"] == "org_standard")
        .count();
    if org_now["licenses"]["org_pro"]["used"] != json!(pro.len())
        || pro.len() > 3
        || org_now["licenses"]["org_standard"]["used"] != json!(standard)
    {
        problems.push(format!(
            "org pools {} against members {members}",
            org_now["licenses"]
        ));
    }
    let mut max_used = 0;
    for e in EVENTS {
        let a = api.get(format!("{org}/events/{e}")).await;
        let cell = RefCell::new(Vec::new());
        let s = sample_of(e, &a, &cell).unwrap();
        problems.extend(cell.into_inner());
        let used = s.holders.len();
        max_used = max_used.max(used);
        if used as u64 > event_pro {
            problems.push(format!(
                "event {e} ends with {used} slots used, event_pro is {event_pro}"
            ));
        }
        for h in &s.holders {
            if pro.contains(h) {
                problems.push(format!("{h} holds Org Pro and a slot on {e}"));
            }
        }
    }
    if org_now["licenses"]["event_pro"]["max_used"] != json!(max_used) {
        problems.push(format!(
            "max_used {} but the fullest event has {max_used}",
            org_now["licenses"]["event_pro"]["max_used"]
        ));
    }

    let count = |f: &dyn Fn(&LicenseChange) -> bool| license_log.iter().filter(|c| f(c)).count();
    let reductions = license_log
        .iter()
        .zip(std::iter::once(4).chain(license_log.iter().scan(4, |v, c| {
            if c.answer.status == 200 {
                *v = c.value;
            }
            Some(*v)
        })))
        .filter(|(c, before)| c.answer.status == 200 && c.value < *before)
        .count();
    let refusals = count(&|c| c.answer.code() == "licenses_in_use");
    let mut slot_outcomes = BTreeMap::new();
    for c in &slot_log {
        let key = format!(
            "{} {} {}",
            if c.claim { "PUT" } else { "DELETE" },
            c.answer.status,
            c.answer.code()
        );
        *slot_outcomes.entry(key).or_insert(0) += 1;
    }
    let upgrades = member_log
        .iter()
        .filter(|c| c.to_pro && c.answer.status == 200)
        .count();
    eprintln!(
        "race (seed {seed:#x}) in {elapsed:.1?}: {} slot requests {slot_outcomes:?}; {} license changes \
         ({reductions} accepted reductions, {refusals} refused licenses_in_use); {} member changes \
         ({upgrades} to Org Pro); {} samples; a refused value was seen on an event {} times",
        slot_log.len(),
        license_log.len(),
        member_log.len(),
        samples.len(),
        refused_values_seen.borrow()
    );
    assert!(
        problems.is_empty(),
        "{} problem(s) (seed {seed:#x}):\n{}",
        problems.len(),
        problems
            .iter()
            .take(40)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(
        reductions > 0 && refusals > 0 && upgrades > 0,
        "the race did not exercise every path: {reductions} reductions, {refusals} refusals, \
         {upgrades} upgrades"
    );
}

#[actix_web::test]
async fn two_hundred_claims_on_five_slots_then_claims_racing_releases() {
    let api = start().await;
    let seed = common::seed("GATEHOUSE_RACE_SEED", SEED);
    let org = "/v1/orgs/burst";
    api.ok(org, Some(json!({"kind": "team"}))).await;
    api.ok(&format!("{org}/licenses"), Some(json!({"event_pro": 5})))
        .await;
    api.ok(&format!("{org}/events/e1"), None).await;
    let slot = |user: &str| format!("{org}/events/e1/slots/{user}");

    let users: Vec<String> = (0..200).map(|n| format!("b{n:03}")).collect();
    let answers = join_all(users.iter().map(|u| api.put(slot(u), None))).await;
    let mut holders = BTreeSet::new();
    let mut outcomes = BTreeMap::new();
    for (user, a) in users.iter().zip(&answers) {
        *outcomes
            .entry(format!("{} {}", a.status, a.code()))
            .or_insert(0) += 1;
        if a.status == 201 {
            holders.insert(user.clone());
        }
    }
    assert_eq!(
        outcomes,
        BTreeMap::from([
            ("201 ".to_string(), 5),
            ("409 no_slot_available".to_string(), 195)
        ]),
        "200 concurrent claims for 5 slots"
    );
    let event = api.get(&format!("{org}/events/e1")).await.body;
    assert_eq!(
        event["slots"],
        json!({"total": 5, "used": 5, "holders": holders})
    );

    let mut rng = StdRng::seed_from_u64(seed);
    for round in 0..4 {
        // 25 claims by new users and 25 releases (each holder five times),
        // all at once, with an observer reading the event meanwhile.
        let newcomers: Vec<String> = (0..25).map(|n| format!("r{round}-{n:02}")).collect();
        let mut ops: Vec<(bool, String)> = newcomers
            .iter()
            .map(|u| (true, u.clone()))
            .chain(
                holders
                    .iter()
                    .flat_map(|h| std::iter::repeat_n((false, h.clone()), 5)),
            )
            .collect();
        ops.shuffle(&mut rng);
        let done = Cell::new(false);
        let problems = RefCell::new(Vec::new());
        let samples = RefCell::new(Vec::new());
        let race = async {
            let answers = join_all(ops.iter().map(|(claim, user)| async {
                if *claim {
                    api.put(&slot(user), None).await
                } else {
                    api.delete(&slot(user)).await
                }
            }))
            .await;
            done.set(true);
            answers
        };
        let observer = async {
            while !done.get() {
                let a = api.get(&format!("{org}/events/e1")).await;
                if let Some(s) = sample_of("e1", &a, &problems) {
                    samples.borrow_mut().push(s);
                }
            }
        };
        let (answers, ()) = join(race, observer).await;

        let mut claimed = BTreeSet::new();
        let mut released: BTreeMap<&String, usize> = BTreeMap::new();
        for ((claim, user), a) in ops.iter().zip(&answers) {
            match (*claim, a.status, a.code()) {
                (true, 201, _) => {
                    claimed.insert(user.clone());
                }
                (true, 409, "no_slot_available") => {}
                (false, 204, _) => *released.entry(user).or_insert(0) += 1,
                (false, 404, "slot_not_found") => {}
                _ => problems.borrow_mut().push(format!(
                    "{} {user}: {} {}",
                    if *claim { "claim" } else { "release" },
                    a.status,
                    a.body
                )),
            }
        }
        let mut problems = problems.into_inner();
        if released.len() != holders.len() || released.values().any(|&n| n != 1) {
            problems.push(format!(
                "each of the 5 holders released five times: {released:?}"
            ));
        }
        if claimed.len() > 5 {
            problems.push(format!("{} claims won 5 slots", claimed.len()));
        }
        for s in samples.borrow().iter() {
            if s.total != 5 || s.holders.len() > 5 {
                problems.push(format!("sample: {} of {} slots", s.holders.len(), s.total));
            }
        }
        let event = api.get(&format!("{org}/events/e1")).await.body;
        if event["slots"] != json!({"total": 5, "used": claimed.len(), "holders": claimed}) {
            problems.push(format!(
                "after round {round}, won {claimed:?}, the event says {}",
                event["slots"]
            ));
        }
        let org_now = api.get(org).await.body;
        if org_now["licenses"]["event_pro"]["max_used"] != json!(claimed.len()) {
            problems.push(format!("max_used: {}", org_now["licenses"]));
        }
        assert!(
            problems.is_empty(),
            "round {round} (seed {seed:#x}):\n{}",
            problems.join("\n")
        );
        // Fill up again for the next round.
        holders = claimed;
        let mut n = 0;
        while holders.len() < 5 {
            let user = format!("fill{round}-{n}");
            n += 1;
            let a = api.put(&slot(&user), None).await;
            assert_eq!(a.status, 201, "{}", a.body);
            holders.insert(user);
        }
    }
}

/// A lowering of Event Pro that is refused changes nothing anyone can see:
/// the events adopt the lower count only tentatively while the org asks
/// them all, and no read of an event in the meantime shows it.
#[actix_web::test]
async fn a_refused_lowering_of_event_pro_is_never_seen_in_a_read() {
    let api = start().await;
    let org = "/v1/orgs/lower";
    api.ok(org, Some(json!({"kind": "team"}))).await;
    api.ok(&format!("{org}/licenses"), Some(json!({"event_pro": 3})))
        .await;
    // Many events, so asking them all takes a while; the last one uses
    // every slot, so every lowering to 1 is refused.
    let events: Vec<String> = (0..40).map(|n| format!("e{n:02}")).collect();
    for e in &events {
        api.ok(&format!("{org}/events/{e}"), None).await;
    }
    let full = events.last().unwrap();
    for u in ["u1", "u2", "u3"] {
        api.ok(&format!("{org}/events/{full}/slots/{u}"), None)
            .await;
    }

    let done = Cell::new(false);
    let lowerings = async {
        let mut answers = Vec::new();
        for _ in 0..100 {
            let wave =
                (0..4).map(|_| api.put(format!("{org}/licenses"), Some(json!({"event_pro": 1}))));
            answers.extend(join_all(wave).await);
        }
        done.set(true);
        answers
    };
    let observer = |event: String| {
        let done = &done;
        let api = &api;
        async move {
            let mut totals = BTreeMap::new();
            while !done.get() {
                let a = api.get(format!("{org}/events/{event}")).await;
                assert_eq!(a.status, 200, "{}", a.body);
                *totals
                    .entry(a.body["slots"]["total"].clone().to_string())
                    .or_insert(0) += 1;
            }
            totals
        }
    };
    let (answers, seen) = join(
        lowerings,
        join_all(["e00", "e19", "e38"].map(|e| observer(e.to_string()))),
    )
    .await;
    for a in &answers {
        assert_eq!((a.status, a.code()), (409, "licenses_in_use"), "{}", a.body);
    }
    for totals in &seen {
        assert_eq!(
            totals.keys().collect::<Vec<_>>(),
            ["3"],
            "totals read: {seen:?}"
        );
    }
    let info = api.get(org).await.body;
    assert_eq!(info["licenses"]["event_pro"]["total"], 3, "{info}");
}
