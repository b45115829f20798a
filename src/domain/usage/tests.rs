use std::collections::BTreeMap;

use proptest::prelude::*;
use serde_json::json;

use super::swap::Problem;
use super::*;

fn id(s: &str) -> Id {
    Id::parse(s).unwrap()
}

fn ids(list: &[&str]) -> Vec<Id> {
    list.iter().map(|s| id(s)).collect()
}

fn event(name: &str, holders: &[&str]) -> EventUse {
    EventUse {
        id: id(name),
        holders: ids(holders),
        peak: 0,
        needs_slot: Vec::new(),
        idle_grants: Vec::new(),
        denied_by_license: Vec::new(),
    }
}

fn pools(org_standard: u32, org_pro: u32, event_pro: u32) -> Pools {
    Pools {
        org_standard,
        org_pro,
        event_pro,
    }
}

fn prices(org_standard: u64, org_pro: u64, event_pro: u64) -> Prices {
    Prices {
        org_standard,
        org_pro,
        event_pro,
    }
}

fn kinds(usage: &Usage) -> Vec<&'static str> {
    usage
        .advice
        .iter()
        .map(|a| match a {
            Advice::LowerPool { .. } => "lower_pool",
            Advice::OrgProSwap { .. } => "org_pro_swap",
            Advice::NeedsSlot { .. } => "needs_slot",
            Advice::IdleGrants { .. } => "idle_grants",
            Advice::DeniedByLicense { .. } => "denied_by_license",
        })
        .collect()
}

fn swap_of(usage: &Usage) -> Option<(Vec<Id>, u32, u32, u64)> {
    usage.advice.iter().find_map(|a| match a {
        Advice::OrgProSwap {
            users,
            event_pro_from,
            event_pro_to,
            saving,
            ..
        } => Some((users.clone(), *event_pro_from, *event_pro_to, *saving)),
        _ => None,
    })
}

/// Two producers, members with Org Standard, hold slots on the three
/// busiest events (6 holders each); a fourth event has 3 external holders.
fn producers_org(org_pro_price: u64) -> OrgUse {
    let busy = ["p1", "p2", "x1", "x2", "x3", "x4"];
    OrgUse {
        pools: pools(2, 0, 6),
        prices: prices(10, org_pro_price, 50),
        members: [
            (id("p1"), Some(OrgLicense::OrgStandard)),
            (id("p2"), Some(OrgLicense::OrgStandard)),
            (id("m"), None),
        ]
        .into_iter()
        .collect(),
        events: vec![
            event("e1", &busy),
            event("e2", &busy),
            event("e3", &busy),
            event("e4", &["x1", "y1", "y2"]),
        ],
    }
}

#[test]
fn event_pro_bought_above_the_busiest_event_is_advised_down_to_it() {
    let org = OrgUse {
        pools: pools(0, 0, 10),
        prices: prices(0, 0, 7),
        members: BTreeMap::new(),
        events: vec![
            event("a", &["u1", "u2", "u3", "u4", "u5", "u6"]),
            event("b", &["u1", "u2"]),
        ],
    };
    let usage = org.usage();
    assert_eq!(kinds(&usage), ["lower_pool"]);
    let Advice::LowerPool {
        pool,
        from,
        to,
        saving,
        message,
    } = &usage.advice[0]
    else {
        unreachable!()
    };
    assert_eq!((*pool, *from, *to, *saving), (Pool::EventPro, 10, 6, 28));
    assert!(message.contains("buying 6"), "{message}");
    assert_eq!(
        usage.cost,
        Cost {
            current: 70,
            needed: 42
        }
    );
}

#[test]
fn org_pro_cheaper_than_the_slots_it_frees_swaps_both_producers() {
    // Now: 2 Org Standard × 10 + 6 Event Pro × 50 = 320.
    // Both moved: 2 Org Pro × 30 + 4 Event Pro × 50 = 260, saving 60;
    // one moved: 10 + 30 + 5 × 50 = 290, saving 30.
    let usage = producers_org(30).usage();
    assert_eq!(usage.cost.needed, 320);
    assert_eq!(swap_of(&usage), Some((ids(&["p1", "p2"]), 6, 4, 60)));
}

#[test]
fn org_pro_dearer_than_the_slots_it_frees_is_no_swap() {
    // Both: 160 + 200 = 360 > 320; one: 10 + 80 + 250 = 340 > 320.
    let usage = producers_org(80).usage();
    assert_eq!(swap_of(&usage), None);
    assert!(!kinds(&usage).contains(&"org_pro_swap"));
}

#[test]
fn without_prices_nothing_is_swapped_but_unused_seats_are_still_shown() {
    let mut org = producers_org(0);
    org.prices = Prices::default();
    org.pools = pools(5, 1, 6);
    let usage = org.usage();
    assert_eq!(kinds(&usage), ["lower_pool", "lower_pool"]);
    assert!(usage
        .advice
        .iter()
        .all(|a| matches!(a, Advice::LowerPool { saving: 0, .. })));
}

#[test]
fn a_swap_that_only_frees_org_standard_seats_needs_no_slot_change() {
    // Org Pro costs less than Org Standard: moving a producer saves on
    // seats alone, even though the busiest event is not lowered.
    let mut org = producers_org(5);
    org.events
        .push(event("big", &["z1", "z2", "z3", "z4", "z5", "z6", "z7"]));
    let usage = org.usage();
    assert_eq!(swap_of(&usage), Some((ids(&["p1", "p2"]), 7, 7, 10)));
}

#[test]
fn usage_answers_the_wire_shape_with_peaks_capacity_and_costs() {
    let mut org = producers_org(30);
    org.events[0].peak = 9;
    org.events[3].peak = 1;
    org.events[3].needs_slot = ids(&["n2", "n1"]);
    org.events[1].idle_grants = ids(&["g1"]);
    org.events[2].denied_by_license = vec![(id("d1"), 2), (id("d2"), 5), (id("d0"), 2)];
    let usage = org.usage();
    let wire = serde_json::to_value(&usage).unwrap();
    assert_eq!(
        wire["pools"],
        json!({
            "org_standard": {"total": 2, "used": 2},
            "org_pro": {"total": 0, "used": 0},
            "event_pro": {"total": 6, "max_used": 6, "peak": 9},
        })
    );
    assert_eq!(
        wire["events"],
        json!([
            {"event": "e1", "slots_used": 6, "peak": 9, "at_capacity": true},
            {"event": "e2", "slots_used": 6, "peak": 6, "at_capacity": true},
            {"event": "e3", "slots_used": 6, "peak": 6, "at_capacity": true},
            {"event": "e4", "slots_used": 3, "peak": 3, "at_capacity": false},
        ])
    );
    assert_eq!(
        wire["prices"],
        json!({"org_standard": 10, "org_pro": 30, "event_pro": 50})
    );
    assert_eq!(wire["cost"], json!({"current": 320, "needed": 320}));
    let advice = wire["advice"].as_array().unwrap();
    let without_message: Vec<_> = advice
        .iter()
        .map(|a| {
            assert!(a["message"].as_str().is_some_and(|m| !m.is_empty()), "{a}");
            let mut a = a.clone();
            a.as_object_mut().unwrap().remove("message");
            a
        })
        .collect();
    assert_eq!(
        without_message,
        [
            json!({"kind": "org_pro_swap", "users": ["p1", "p2"], "event_pro_from": 6, "event_pro_to": 4, "saving": 60}),
            json!({"kind": "needs_slot", "event": "e4", "users": ["n1", "n2"]}),
            json!({"kind": "idle_grants", "event": "e2", "users": ["g1"]}),
            json!({"kind": "denied_by_license", "event": "e3", "users": [
                {"user": "d2", "count": 5}, {"user": "d0", "count": 2}, {"user": "d1", "count": 2},
            ]}),
        ]
    );
    // The keys come in SPEC's order: kind and message first.
    let text = serde_json::to_string(&usage.advice[0]).unwrap();
    assert!(
        text.starts_with(r#"{"kind":"org_pro_swap","message":"#),
        "{text}"
    );
}

#[test]
fn denied_by_license_lists_the_twenty_most_refused() {
    let mut org = OrgUse::default();
    let mut e = event("e", &[]);
    e.denied_by_license = (0..30).map(|i| (id(&format!("u{i:02}")), i)).collect();
    org.events.push(e);
    let usage = org.usage();
    let Some(Advice::DeniedByLicense { users, .. }) = usage.advice.first() else {
        panic!("{:?}", usage.advice)
    };
    let counts: Vec<u64> = users.iter().map(|d| d.count).collect();
    assert_eq!(counts, (10..30).rev().collect::<Vec<u64>>());
}

#[test]
fn an_org_with_nothing_needs_nothing_and_is_advised_nothing() {
    let usage = OrgUse::default().usage();
    assert_eq!(
        usage.pools.event_pro,
        EventProUsage {
            total: 0,
            max_used: 0,
            peak: 0
        }
    );
    assert_eq!(
        usage.cost,
        Cost {
            current: 0,
            needed: 0
        }
    );
    assert!(usage.advice.is_empty() && usage.events.is_empty());
}

#[test]
fn sentences_name_up_to_three_people() {
    let list = ids(&["a", "b", "c", "d", "e"]);
    assert_eq!(people(&list[..1], "is", "are"), "a is");
    assert_eq!(people(&list[..2], "is", "are"), "a and b are");
    assert_eq!(people(&list[..3], "is", "are"), "a, b and c are");
    assert_eq!(people(&list, "is", "are"), "a, b and 3 others are");
}

#[test]
fn many_candidates_are_searched_by_the_heuristic_and_all_worth_moving_are_moved() {
    // 20 producers on every event, each move frees one slot everywhere
    // (worth 10) for an Org Pro seat (1): moving all saves 20 × 9.
    let producers: Vec<String> = (0..20).map(|i| format!("p{i:02}")).collect();
    let mut holders: Vec<&str> = producers.iter().map(String::as_str).collect();
    holders.extend(["x1", "x2"]);
    let org = OrgUse {
        pools: pools(0, 0, 22),
        prices: prices(0, 1, 10),
        members: producers.iter().map(|p| (id(p), None)).collect(),
        events: vec![
            event("a", &holders),
            event("b", &holders),
            event("c", &["x1"]),
        ],
    };
    let problem = Problem::new(&org);
    assert!(problem.solve().unwrap().users.len() > EXACT_CANDIDATES);
    let usage = org.usage();
    let (users, from, to, saving) = swap_of(&usage).unwrap();
    assert_eq!((users.len(), from, to, saving), (20, 22, 2, 180));
    // Nothing can save more: the bound is reached.
    assert_eq!(problem.bound(), 180);
}

#[test]
fn when_no_move_can_pay_for_itself_the_bound_says_so_and_nothing_is_advised() {
    // 20 producers on both busy events: each frees one slot (worth 10) for
    // an Org Pro seat costing 12, whatever set is moved.
    let producers: Vec<String> = (0..20).map(|i| format!("p{i:02}")).collect();
    let mut holders: Vec<&str> = producers.iter().map(String::as_str).collect();
    holders.push("x1");
    let org = OrgUse {
        pools: pools(0, 0, 21),
        prices: prices(0, 12, 10),
        members: producers.iter().map(|p| (id(p), None)).collect(),
        events: vec![event("a", &holders), event("b", &holders)],
    };
    let problem = Problem::new(&org);
    assert_eq!(problem.bound(), 0);
    assert_eq!(problem.heuristic(), Vec::<usize>::new());
    assert_eq!(swap_of(&org.usage()), None);
}

// ----- the search against a plain brute force -----

/// SPEC's definition, computed on a copy: the smallest pools covering use.
fn needed(org: &OrgUse) -> i128 {
    let held = |l| org.members.values().filter(|x| **x == Some(l)).count() as i128;
    let max_used = org
        .events
        .iter()
        .map(|e| e.holders.len())
        .max()
        .unwrap_or(0) as i128;
    held(OrgLicense::OrgStandard) * i128::from(org.prices.org_standard)
        + held(OrgLicense::OrgPro) * i128::from(org.prices.org_pro)
        + max_used * i128::from(org.prices.event_pro)
}

fn moved(org: &OrgUse, set: &[Id]) -> OrgUse {
    let mut after = org.clone();
    for u in set {
        after.members.insert(u.clone(), Some(OrgLicense::OrgPro));
    }
    for e in &mut after.events {
        e.holders.retain(|h| !set.contains(h));
    }
    after
}

/// Every subset of the candidates, best by (saving, fewer, first list).
fn brute_force(org: &OrgUse) -> (i128, Vec<Id>) {
    let mut candidates: Vec<Id> = org
        .members
        .iter()
        .filter(|(u, l)| {
            **l != Some(OrgLicense::OrgPro) && org.events.iter().any(|e| e.holders.contains(u))
        })
        .map(|(u, _)| u.clone())
        .collect();
    candidates.sort();
    let now = needed(org);
    let mut best: (i128, Vec<Id>) = (0, Vec::new());
    for mask in 0u32..(1 << candidates.len()) {
        let set: Vec<Id> = (0..candidates.len())
            .filter(|i| mask & (1 << i) != 0)
            .map(|i| candidates[i].clone())
            .collect();
        let saving = now - needed(&moved(org, &set));
        let wins = saving > best.0
            || (saving == best.0
                && (set.len() < best.1.len() || (set.len() == best.1.len() && set < best.1)));
        if wins {
            best = (saving, set);
        }
    }
    best
}

fn any_license() -> impl Strategy<Value = Option<OrgLicense>> {
    prop_oneof![
        Just(None),
        Just(Some(OrgLicense::OrgStandard)),
        Just(Some(OrgLicense::OrgPro)),
    ]
}

/// Users `u00`, `u01`, … one per license, then `x…` (never members);
/// `member(i)` says which of the first are members; event `n`'s holders
/// are the users `i` with `holds[n][i]`.
fn org_of(
    licenses: &[Option<OrgLicense>],
    member: impl Fn(usize) -> bool,
    holds: &[Vec<bool>],
    (s, p, e): (u64, u64, u64),
) -> OrgUse {
    let user = |i: usize| {
        id(&if i < licenses.len() {
            format!("u{i:02}")
        } else {
            format!("x{i}")
        })
    };
    OrgUse {
        pools: pools(3, 3, 8),
        prices: prices(s, p, e),
        members: licenses
            .iter()
            .enumerate()
            .filter(|(i, _)| member(*i))
            .map(|(i, l)| (user(i), *l))
            .collect(),
        events: holds
            .iter()
            .enumerate()
            .map(|(n, holds)| EventUse {
                holders: (0..holds.len()).filter(|&i| holds[i]).map(user).collect(),
                ..event(&format!("e{n}"), &[])
            })
            .collect(),
    }
}

fn small_org() -> impl Strategy<Value = OrgUse> {
    (
        proptest::collection::vec(any_license(), 12),
        proptest::collection::vec(proptest::collection::vec(any::<bool>(), 14), 0..=6),
        (0u64..40, 0u64..40, 0u64..40),
    )
        .prop_map(|(licenses, events, prices)| {
            // Users u00..u11 may be members (with a license or none);
            // x12, x13 are never members.
            org_of(&licenses, |i| i % 6 != 5, &events, prices)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// With at most 16 candidates the advice is the brute force's best set,
    /// its saving and its Event Pro count, or nothing when nothing saves.
    #[test]
    fn the_exact_search_agrees_with_brute_force(org in small_org()) {
        let (saving, set) = brute_force(&org);
        let advised = swap_of(&org.usage());
        if saving > 0 {
            let after = moved(&org, &set);
            let to = after.events.iter().map(|e| e.holders.len() as u32).max().unwrap_or(0);
            let from = org.events.iter().map(|e| e.holders.len() as u32).max().unwrap_or(0);
            prop_assert_eq!(advised, Some((set, from, to, saving as u64)));
        } else {
            prop_assert_eq!(advised, None);
        }
    }

    /// The heuristic, run on the same orgs, never claims more than the
    /// optimum, and the saving it reports is the set's real saving. Its set
    /// is never worse than moving no one, the bound is never below the
    /// optimum, and when the heuristic reaches the bound (it then knows it
    /// found the optimum) its saving is the brute force's.
    #[test]
    fn the_heuristic_is_honest_and_never_beats_the_optimum(org in small_org()) {
        let (best, _) = brute_force(&org);
        let problem = Problem::new(&org);
        let chosen = problem.heuristic();
        let users: Vec<Id> = chosen.iter().map(|&c| problem.candidate(c).clone()).collect();
        let saving = needed(&org) - needed(&moved(&org, &users));
        prop_assert!(saving >= 0, "{saving}");
        prop_assert!(saving <= best);
        prop_assert!(best <= problem.bound());
        if saving == problem.bound() {
            prop_assert_eq!(saving, best);
        }
        if let Some(plan) = problem.plan(&chosen) {
            prop_assert_eq!(i128::from(plan.saving), saving);
        }
    }

    /// The incremental heuristic picks exactly the set its plain form
    /// (recomputing everything at each step) picks.
    #[test]
    fn the_heuristic_chooses_what_its_plain_form_chooses(org in medium_org()) {
        let problem = Problem::new(&org);
        prop_assert_eq!(problem.heuristic(), problem.naive_heuristic());
    }
}

/// Orgs with more candidates than the exact search takes, for the
/// heuristic: up to 60 members and 4 non-members on up to 12 events.
fn medium_org() -> impl Strategy<Value = OrgUse> {
    (
        proptest::collection::vec(any_license(), 20..=60),
        proptest::collection::vec(proptest::collection::vec(0u8..4, 64), 1..=12),
        (0u64..40, 0u64..40, 0u64..200),
    )
        .prop_map(|(licenses, events, prices)| {
            // Each user holds a slot with probability ¼.
            let holds: Vec<Vec<bool>> = events
                .iter()
                .map(|e| e[..licenses.len() + 4].iter().map(|r| *r == 0).collect())
                .collect();
            org_of(&licenses, |_| true, &holds, prices)
        })
}
