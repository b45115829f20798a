//! Messages from the org to its events: a new view of the org's licenses
//! (adopted tentatively when it lowers Event Pro), the two steps of giving
//! a member Org Pro, and the pause before a deletion.

use std::sync::Arc;

use actix::prelude::*;

use super::EventActor;
use crate::domain::{EventEffect, Id, OrgView};
use crate::metrics::Stats;
use crate::persist::Seq;

/// What the org decided about a lower Event Pro count its events adopted
/// tentatively ([`TryView`]), or about deleting an event ([`TryClose`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(in crate::actors) enum Lowering {
    Pending,
    /// In the journal as this record: reads wait until it is durable.
    Journaled(Seq),
    /// Refused (another event uses more slots, or the journal refused the
    /// record); also what a dropped sender means.
    Refused,
}

/// What the org decides, once it has (a dropped sender is a refusal).
async fn decision(mut decided: tokio::sync::watch::Receiver<Lowering>) -> Lowering {
    decided
        .wait_for(|d| *d != Lowering::Pending)
        .await
        .map_or(Lowering::Refused, |d| *d)
}

/// From the org: adopt a view with fewer slots, unless more are in use.
/// Answers the slots in use when refusing. Adopting is tentative: the event
/// then handles no other message (no claim, check or read) until `decided`
/// says whether the org journaled the change (reads then wait for that
/// record) or not (the old view comes back). So a claim is measured against
/// the lower count only once it is decided, and no answer ever shows a
/// count that is then taken back. The pause lasts until every event of the
/// org has answered and the org has appended its record.
#[derive(Message)]
#[rtype(result = "Result<(), u32>")]
pub(in crate::actors) struct TryView {
    pub view: Arc<OrgView>,
    pub decided: tokio::sync::watch::Receiver<Lowering>,
}

impl Handler<TryView> for EventActor {
    type Result = Result<(), u32>;

    fn handle(&mut self, m: TryView, ctx: &mut Context<Self>) -> Self::Result {
        let now = self.clock.now();
        if !self.closed && !self.event.fits(m.view.slot_total, now) {
            return Err(self.event.slots_used(now));
        }
        let old = self.event.org_view().clone();
        self.event.set_org_view(m.view);
        let decision = decision(m.decided);
        ctx.wait(
            decision
                .into_actor(self)
                .map(move |decision, act, _| match decision {
                    Lowering::Journaled(seq) => act.applied_seq = act.applied_seq.max(seq),
                    Lowering::Pending | Lowering::Refused => act.event.set_org_view(old),
                }),
        );
        Ok(())
    }
}

/// From the org: adopt a new view (more slots, or an Org Pro holder less),
/// which the org's record `seq` made; reads here wait for that record too.
#[derive(Message)]
#[rtype(result = "()")]
pub(in crate::actors) struct SetView {
    pub view: Arc<OrgView>,
    pub seq: Seq,
}

impl Handler<SetView> for EventActor {
    type Result = ();

    fn handle(&mut self, m: SetView, _: &mut Context<Self>) {
        self.event.set_org_view(m.view);
        self.applied_seq = self.applied_seq.max(m.seq);
    }
}

/// From the org, first step of giving `user` Org Pro: give them no new
/// slot here until [`GiveOrgPro`] or [`ReleaseHold`] arrives. Their slots
/// and every check stay as they were; only a claim of a new slot by them is
/// refused meanwhile (`org_pro_holder`, a refusal that changes nothing).
#[derive(Message)]
#[rtype(result = "()")]
pub(in crate::actors) struct HoldSlots(pub Id);

impl Handler<HoldSlots> for EventActor {
    type Result = ();

    fn handle(&mut self, HoldSlots(user): HoldSlots, _: &mut Context<Self>) {
        self.held.insert(user);
    }
}

/// From the org, when giving Org Pro failed after [`HoldSlots`].
#[derive(Message)]
#[rtype(result = "()")]
pub(in crate::actors) struct ReleaseHold(pub Id);

impl Handler<ReleaseHold> for EventActor {
    type Result = ();

    fn handle(&mut self, ReleaseHold(user): ReleaseHold, _: &mut Context<Self>) {
        self.held.remove(&user);
    }
}

/// From the org, second step: the org's record `seq` giving `user` Org Pro
/// is in the journal. Releases their slot here and adopts the view that
/// lists them; answers whether a slot was released. Not journaled here: the
/// org's record replays it. The freed slot can only be claimed now, so any
/// claim of it follows that record in the journal.
#[derive(Message)]
#[rtype(result = "bool")]
pub(in crate::actors) struct GiveOrgPro {
    pub user: Id,
    pub view: Arc<OrgView>,
    pub seq: Seq,
}

impl Handler<GiveOrgPro> for EventActor {
    type Result = bool;

    fn handle(&mut self, m: GiveOrgPro, _: &mut Context<Self>) -> bool {
        self.held.remove(&m.user);
        let held = !self.closed && self.event.holds_slot(&m.user, self.clock.now());
        self.apply(&EventEffect::OrgProGiven { user: m.user });
        self.event.set_org_view(m.view);
        // Reads here now reflect the org's record: they wait for it too.
        self.applied_seq = self.applied_seq.max(m.seq);
        held
    }
}

/// From the org, when the event is being deleted: finish what is queued,
/// then handle nothing until `decided` says whether the deletion is in the
/// journal (then answer nothing more and stop) or not (then go on as if
/// nothing happened). So no record of the event follows its deletion, and a
/// deletion the journal refuses leaves the event as it was.
#[derive(Message)]
#[rtype(result = "()")]
pub(in crate::actors) struct TryClose {
    pub decided: tokio::sync::watch::Receiver<Lowering>,
}

impl Handler<TryClose> for EventActor {
    type Result = ();

    fn handle(&mut self, m: TryClose, ctx: &mut Context<Self>) {
        let decision = decision(m.decided);
        ctx.wait(decision.into_actor(self).map(|decision, act, ctx| {
            if let Lowering::Journaled(_) = decision {
                Stats::add(&act.stats.slots_in_use, -i64::from(act.event.slot_count()));
                act.closed = true;
                ctx.stop();
            }
        }));
    }
}
