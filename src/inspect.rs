//! `gatehouse snapshot inspect FILE`: a JSON summary of a snapshot file.

use std::path::Path;
use std::process::ExitCode;

use serde_json::json;

use crate::persist::codec::FORMAT_VERSION;
use crate::persist::snapshot;

pub fn run(file: &Path) -> ExitCode {
    match snapshot::read(file) {
        Ok(snap) => {
            let s = &snap.state;
            let events = s.events.values().flat_map(|m| m.values());
            let (mut slots, mut grants) = (0usize, 0usize);
            for e in events {
                slots += e.event.slot_count() as usize;
                grants += e.event.grant_count();
            }
            let members: usize = s.orgs.values().map(|o| o.org.member_count()).sum();
            let summary = json!({
                "file": file,
                "format_version": FORMAT_VERSION,
                "taken_at_ms": snap.taken_at_ms,
                "journal_segment": snap.segment,
                "next_seq": snap.next_seq,
                "orgs": s.orgs.len(),
                "events": s.event_count(),
                "members": members,
                "slots": slots,
                "grants": grants,
            });
            println!("{summary:#}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!(
                "gatehouse: {} is not a readable snapshot: {e}",
                file.display()
            );
            ExitCode::FAILURE
        }
    }
}
