//! Builds a realistic Gatehouse state and writes it as a snapshot file, for
//! the load benchmark (`benches/load.sh`) and for trying `--restore`.
//!
//! ```text
//! cargo run --release --example dataset -- --scale 1 --out /tmp/ds.bin \
//!     [--checks-out /tmp/ds.checks] [--hot-event-pro 1000000]
//! ```
//!
//! At scale 1: 1,000 orgs, 10,000 events (10 per org), 100,000 org members
//! (100 per org; 5 with Org Pro and 25 with Org Standard in each team org),
//! 1,000,000 grants (100 per event: 22 members with 4 grants each across the
//! Event, Collaborator and Area domains, plus 2 free collaborators with the 6
//! default grants), 12 Event Pro slots per event, 5 collaborators and 3 areas
//! per event. Every 50th org is personal (its owner and no members). Counts
//! scale linearly with `--scale` (orgs are rounded; the per-org shape stays).
//!
//! Everything goes through the domain's `plan_*` / `apply`, so the state is
//! one the server could have reached. Every entity has `applied_seq` 1 and
//! the snapshot `next_seq` 2, journal segment 0.
//!
//! Names (used by `benches/load.sh`): orgs `o00000`…, events `e00`…`e09`,
//! members `u0000000`… (org `i` holds `u{i*100}`…`u{i*100+99}`), free
//! collaborators `x<org>-<event>-<n>`, collaborators `c0`…`c4`, areas
//! `a0`…`a2`. Org `o00000` has `--hot-event-pro` Event Pro licenses (default
//! the maximum, 1,000,000) so slot assignments to it never run out.
//!
//! `--checks-out FILE` also writes sample checks, one per line,
//! tab-separated `org event user permission collaborator area` (`-` for no
//! scope): the first line is the "hot" check (a granted Event.View on
//! `o00000/e00`), the rest are drawn at random over all events, mostly users
//! of that event with one of their permissions, some random members.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::collections::BTreeMap;
use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use clap::Parser;
use gatehouse::domain::{
    Event, Grant, Id, Org, OrgKind, OrgLicense, OrgView, Permission, PoolsChange, Scope, Timestamp,
    MAX_POOL,
};
use gatehouse::persist::snapshot::{write, Snapshot};
use gatehouse::persist::{EventState, OrgState, State};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// The instant the rules are asked at: nothing in the dataset expires, so
/// any instant gives the same answers.
const NOW: Timestamp = Timestamp::from_secs(0);

#[derive(Parser)]
#[command(about = "Write a realistic Gatehouse snapshot for benchmarks")]
struct Args {
    /// 1 = 1,000 orgs, 10,000 events, 100,000 members, 1,000,000 grants.
    #[arg(long, default_value_t = 1.0)]
    scale: f64,
    /// The snapshot file to write.
    #[arg(long)]
    out: PathBuf,
    /// Also write sample checks here (see the file's doc comment).
    #[arg(long)]
    checks_out: Option<PathBuf>,
    /// How many sample checks to write.
    #[arg(long, default_value_t = 20_000)]
    checks: usize,
    /// Event Pro licenses of org o00000 (the durable-write target).
    #[arg(long, default_value_t = MAX_POOL)]
    hot_event_pro: u32,
    /// Random seed (the dataset is deterministic for a seed).
    #[arg(long, default_value_t = 42)]
    seed: u64,
}

const EVENTS_PER_ORG: usize = 10;
const MEMBERS_PER_ORG: usize = 100;
const ORG_PRO_PER_ORG: usize = 5;
const ORG_STANDARD_PER_ORG: usize = 25;
const EVENT_PRO_PER_ORG: u32 = 20;
const COLLABORATORS: usize = 5;
const AREAS: usize = 3;
const GRANTED_USERS_PER_EVENT: usize = 22;
const GRANTS_PER_USER: usize = 4;
const SLOTS_PER_EVENT: usize = 12;
const FREE_COLLABORATORS_PER_EVENT: usize = 2;
const PERSONAL_EVERY: usize = 50;

const EVENT_PERMS: [Permission; 6] = [
    Permission::EventView,
    Permission::EventUpdate,
    Permission::EventScheduleView,
    Permission::EventScheduleEdit,
    Permission::EventFileView,
    Permission::EventFileUpload,
];
const COLLAB_PERMS: [Permission; 7] = [
    Permission::CollaboratorView,
    Permission::CollaboratorAdvanceView,
    Permission::CollaboratorAdvanceEdit,
    Permission::CollaboratorScheduleView,
    Permission::CollaboratorScheduleEdit,
    Permission::CollaboratorFileView,
    Permission::CollaboratorFileUpload,
];
const AREA_PERMS: [Permission; 5] = [
    Permission::AreaView,
    Permission::AreaScheduleView,
    Permission::AreaScheduleEdit,
    Permission::AreaFileView,
    Permission::AreaFileUpload,
];

fn id(s: &str) -> Id {
    Id::parse(s).expect("generated ids are valid")
}

fn user_id(global: usize) -> String {
    format!("u{global:07}")
}

#[derive(Default)]
struct Counts {
    orgs: usize,
    personal: usize,
    events: usize,
    members: usize,
    org_pro: usize,
    org_standard: usize,
    slots: usize,
    attachments: usize,
    grants: usize,
    collaborators: usize,
    areas: usize,
}

/// One sample check: org, event, user, permission, collaborator, area.
type Sample = (String, String, String, Permission, String, String);
/// What one event's users were granted: the user and their grants.
type Granted = Vec<(Id, Vec<Grant>)>;

fn build_org(i: usize, hot_event_pro: u32, counts: &mut Counts) -> (Org, Vec<Id>) {
    let base = i * MEMBERS_PER_ORG;
    let members: Vec<Id> = (0..MEMBERS_PER_ORG)
        .map(|m| id(&user_id(base + m)))
        .collect();
    let personal = i % PERSONAL_EVERY == PERSONAL_EVERY - 1;
    let event_pro = if i == 0 {
        hot_event_pro
    } else {
        EVENT_PRO_PER_ORG
    };
    if personal {
        let mut org = Org::new(OrgKind::Personal {
            owner: members[0].clone(),
        });
        let pools = org
            .plan_pools(PoolsChange {
                event_pro: Some(event_pro),
                ..Default::default()
            })
            .unwrap();
        org.apply(&gatehouse::domain::OrgEffect::PoolsSet(pools));
        counts.personal += 1;
        counts.members += 1;
        return (org, members);
    }
    let mut org = Org::new(OrgKind::Team);
    let pools = org
        .plan_pools(PoolsChange {
            org_standard: Some(ORG_STANDARD_PER_ORG as u32 + 5),
            org_pro: Some(ORG_PRO_PER_ORG as u32 + 1),
            event_pro: Some(event_pro),
        })
        .unwrap();
    org.apply(&gatehouse::domain::OrgEffect::PoolsSet(pools));
    for (m, user) in members.iter().enumerate() {
        let license = if m < ORG_PRO_PER_ORG {
            Some(OrgLicense::OrgPro)
        } else if m < ORG_PRO_PER_ORG + ORG_STANDARD_PER_ORG {
            Some(OrgLicense::OrgStandard)
        } else {
            None
        };
        let plan = org.plan_member(user, license).unwrap();
        if let Some(effect) = &plan.effect {
            org.apply(effect);
        }
        match license {
            Some(OrgLicense::OrgPro) => counts.org_pro += 1,
            Some(OrgLicense::OrgStandard) => counts.org_standard += 1,
            None => {}
        }
    }
    counts.members += members.len();
    (org, members)
}

/// The grant `k` of the `j`-th granted user of event `e`: one Event-wide,
/// two Collaborator-scoped (different collaborators) and one Area-scoped,
/// so the four are always distinct. One user per event gets Event.Admin.
fn grant_for(e: usize, j: usize, k: usize, collabs: &[Id], areas: &[Id]) -> Grant {
    let pick = |n: usize| (e * 7 + j * 3 + k) % n;
    match k {
        0 if j == 0 => Grant::new(Permission::EventAdmin, Scope::Event),
        0 => Grant::new(EVENT_PERMS[pick(EVENT_PERMS.len())], Scope::Event),
        1 | 3 => Grant::new(
            COLLAB_PERMS[pick(COLLAB_PERMS.len())],
            Scope::Collaborator(collabs[(j + k) % collabs.len()].clone()),
        ),
        _ => Grant::new(
            AREA_PERMS[pick(AREA_PERMS.len())],
            Scope::Area(areas[j % areas.len()].clone()),
        ),
    }
    .unwrap()
}

fn build_event(
    org_index: usize,
    e: usize,
    members: &[Id],
    view: &Arc<OrgView>,
    counts: &mut Counts,
    samples: &mut Granted,
) -> Event {
    let mut event = Event::new(Some(format!("Event {e} of org {org_index}")), view.clone());
    let collabs: Vec<Id> = (0..COLLABORATORS).map(|c| id(&format!("c{c}"))).collect();
    let areas: Vec<Id> = (0..AREAS).map(|a| id(&format!("a{a}"))).collect();
    for c in &collabs {
        let put = event.plan_put_collaborator(c, Some(format!("Collaborator {c}")));
        event.apply(&put.effect.unwrap());
        counts.collaborators += 1;
    }
    for a in &areas {
        let put = event.plan_put_area(a, None);
        event.apply(&put.effect.unwrap());
        counts.areas += 1;
    }
    let mut slotted = 0;
    for j in 0..GRANTED_USERS_PER_EVENT {
        let user = &members[(e * 3 + j) % members.len()];
        let mut given = Vec::with_capacity(GRANTS_PER_USER);
        for k in 0..GRANTS_PER_USER {
            let grant = grant_for(e, j, k, &collabs, &areas);
            let put = event.plan_grant(user, grant.clone(), None, NOW).unwrap();
            if let Some(effect) = put.effect {
                event.apply(&effect);
                counts.grants += 1;
                given.push(grant);
            }
        }
        if slotted < SLOTS_PER_EVENT && !view.org_pro.contains(user) {
            // A full pool (a personal org's small one) just means no slot.
            if let Ok(put) = event.plan_assign_slot(user, None, NOW) {
                if let Some(effect) = put.effect {
                    event.apply(&effect);
                    slotted += 1;
                    counts.slots += 1;
                }
            }
        }
        samples.push((user.clone(), given));
    }
    for (n, collab) in collabs
        .iter()
        .enumerate()
        .take(FREE_COLLABORATORS_PER_EVENT)
    {
        let user = id(&format!("x{org_index:05}-{e:02}-{n}"));
        let put = event.plan_attach(collab, &user, None, None, NOW).unwrap();
        if let Some(effect) = put.effect {
            event.apply(&effect);
            counts.attachments += 1;
            counts.grants += Permission::COLLABORATOR_DEFAULTS.len();
        }
        samples.push((
            user,
            Permission::COLLABORATOR_DEFAULTS
                .iter()
                .map(|&p| Grant::new(p, Scope::Collaborator(collab.clone())).unwrap())
                .collect(),
        ));
    }
    counts.events += 1;
    event
}

fn scope_columns(scope: &Scope) -> (String, String) {
    match scope {
        Scope::Event => ("-".into(), "-".into()),
        Scope::Collaborator(c) => (c.to_string(), "-".into()),
        Scope::Area(a) => ("-".into(), a.to_string()),
    }
}

fn write_samples(path: &Path, samples: &[Sample]) -> std::io::Result<()> {
    let mut out = BufWriter::new(fs::File::create(path)?);
    for (org, event, user, permission, c, a) in samples {
        writeln!(out, "{org}\t{event}\t{user}\t{permission}\t{c}\t{a}")?;
    }
    out.flush()
}

/// `snapshot::write` names the file after its segment inside a folder:
/// write into a private folder beside `out`, then move it into place.
fn write_snapshot(out: &Path, snap: &Snapshot) -> Result<u64, String> {
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    let tmp = parent.join(format!(".dataset-{}", std::process::id()));
    fs::create_dir_all(&tmp).map_err(|e| format!("cannot create {}: {e}", tmp.display()))?;
    let (file, bytes) = write(&tmp, snap).map_err(|e| e.to_string())?;
    fs::rename(&file, out).map_err(|e| format!("cannot move to {}: {e}", out.display()))?;
    let _ = fs::remove_dir_all(&tmp);
    Ok(bytes)
}

fn main() {
    let args = Args::parse();
    assert!(args.scale > 0.0, "--scale must be positive");
    let started = Instant::now();
    let org_count = ((1000.0 * args.scale).round() as usize).max(1);
    let mut rng = StdRng::seed_from_u64(args.seed);
    let mut counts = Counts::default();
    let mut state = State::default();
    // Per event, the users it knows and what they were granted, for samples.
    let mut per_event: Vec<(String, String, Granted)> = Vec::new();
    let mut all_members: Vec<Id> = Vec::new();

    for i in 0..org_count {
        let org_id = format!("o{i:05}");
        let (org, members) = build_org(i, args.hot_event_pro, &mut counts);
        let view = Arc::new(org.view());
        let mut events = BTreeMap::new();
        for e in 0..EVENTS_PER_ORG {
            let event_id = format!("e{e:02}");
            let mut samples = Vec::new();
            let event = build_event(i, e, &members, &view, &mut counts, &mut samples);
            events.insert(
                id(&event_id),
                EventState {
                    event,
                    applied_seq: 1,
                },
            );
            if args.checks_out.is_some() {
                per_event.push((org_id.clone(), event_id, samples));
            }
        }
        if args.checks_out.is_some() {
            all_members.extend(members);
        }
        state.orgs.insert(
            id(&org_id),
            OrgState {
                org,
                applied_seq: 1,
            },
        );
        state.events.insert(id(&org_id), events);
        counts.orgs += 1;
    }
    let built = started.elapsed();

    let snap = Snapshot {
        taken_at_ms: 0,
        segment: 0,
        next_seq: 2,
        state,
    };
    let write_started = Instant::now();
    let bytes = match write_snapshot(&args.out, &snap) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("dataset: {e}");
            std::process::exit(1);
        }
    };
    let written = write_started.elapsed();

    if let Some(path) = &args.checks_out {
        let mut samples: Vec<Sample> = Vec::with_capacity(args.checks + 1);
        // The hot check: a slot holder of o00000/e00 with an Event grant.
        let (org, event, users) = &per_event[0];
        let hot = users
            .iter()
            .find(|(u, g)| {
                let ev = &snap.state.events[&id(org)][&id(event)].event;
                ev.holds_slot(u, NOW)
                    && g.iter().any(|g| g.scope() == &Scope::Event)
                    && ev
                        .check(u, Permission::EventView, &Scope::Event, NOW)
                        .is_ok_and(|d| d.allowed)
            })
            .expect("o00000/e00 has a slot holder with an event grant");
        samples.push((
            org.clone(),
            event.clone(),
            hot.0.to_string(),
            Permission::EventView,
            "-".into(),
            "-".into(),
        ));
        while samples.len() <= args.checks {
            let (org, event, users) = &per_event[rng.gen_range(0..per_event.len())];
            let (user, permission, scope) = if rng.gen_bool(0.8) {
                let (user, grants) = &users[rng.gen_range(0..users.len())];
                let grant = &grants[rng.gen_range(0..grants.len())];
                (user.clone(), grant.permission(), grant.scope().clone())
            } else {
                let user = all_members[rng.gen_range(0..all_members.len())].clone();
                (user, Permission::EventView, Scope::Event)
            };
            let (c, a) = scope_columns(&scope);
            samples.push((
                org.clone(),
                event.clone(),
                user.to_string(),
                permission,
                c,
                a,
            ));
        }
        if let Err(e) = write_samples(path, &samples) {
            eprintln!("dataset: cannot write {}: {e}", path.display());
            std::process::exit(1);
        }
    }

    let distinct_users = counts.members + counts.attachments;
    println!("dataset: scale {}", args.scale);
    println!(
        "  orgs {} ({} personal), events {}, members {} ({} org_pro, {} org_standard)",
        counts.orgs,
        counts.personal,
        counts.events,
        counts.members,
        counts.org_pro,
        counts.org_standard
    );
    println!(
        "  users {} (members + free collaborators), grants {}, slots {}, attachments {}, collaborators {}, areas {}",
        distinct_users,
        counts.grants,
        counts.slots,
        counts.attachments,
        counts.collaborators,
        counts.areas
    );
    println!(
        "  snapshot {} ({} bytes); built in {:.2} s, written in {:.2} s, total {:.2} s",
        args.out.display(),
        bytes,
        built.as_secs_f64(),
        written.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
    // Machine-readable line for benches/load.sh.
    println!(
        "COUNTS orgs={} events={} members={} grants={} slots={} attachments={}",
        counts.orgs, counts.events, counts.members, counts.grants, counts.slots, counts.attachments
    );
}
