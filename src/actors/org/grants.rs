//! Org-wide grants: journaled by the org, pushed to every event in its view.

use std::time::Duration;

use super::*;
use crate::actors::clock::{wait_until, Expire};

/// Grants an Event permission to `user` on every event of the org, present
/// and future. Answers whether it was new.
#[derive(Message)]
#[rtype(result = "Result<(bool, Seq), Failure>")]
pub struct GrantOrgWide {
    pub user: Id,
    pub permission: Permission,
    /// When it ends (`None`: never); a grant held already takes this one.
    pub expires_at: Option<Timestamp>,
}

impl Handler<GrantOrgWide> for OrgActor {
    type Result = AtomicResponse<Self, Result<(bool, Seq), Failure>>;

    fn handle(&mut self, m: GrantOrgWide, ctx: &mut Context<Self>) -> Self::Result {
        let at = self.registry.clock().now();
        let plan = self
            .org
            .plan_org_grant(&m.user, m.permission, m.expires_at, at);
        let answer = match plan {
            Ok((created, Some(effect))) => self.change_org_grants(effect, created),
            Ok((created, None)) => now(Ok((created, self.applied_seq))),
            Err(e) => now(Err(e.into())),
        };
        self.arm(ctx);
        AtomicResponse::new(answer)
    }
}

/// Takes an org-wide grant away (`grant_not_found` if there is none).
#[derive(Message)]
#[rtype(result = "Result<Seq, Failure>")]
pub struct RevokeOrgWide {
    pub user: Id,
    pub permission: Permission,
}

impl Handler<RevokeOrgWide> for OrgActor {
    type Result = AtomicResponse<Self, Result<Seq, Failure>>;

    fn handle(&mut self, m: RevokeOrgWide, _: &mut Context<Self>) -> Self::Result {
        let at = self.registry.clock().now();
        AtomicResponse::new(match self.org.plan_org_revoke(&m.user, m.permission, at) {
            Ok(effect) => Box::pin(
                self.change_org_grants(effect, false)
                    .map(|done, _, _| done.map(|(_, seq)| seq)),
            ),
            Err(e) => now(Err(e.into())),
        })
    }
}

impl OrgActor {
    /// Journals an org-wide grant change and tells every event before
    /// answering: a check is then one message to one event, as ever.
    fn change_org_grants(&mut self, effect: OrgEffect, created: bool) -> Answer<(bool, Seq)> {
        let view = |act: &OrgActor| Some(act.view_with_org_grants());
        Box::pin(
            self.publish(effect, view)
                .map(move |seq, _, _| Ok((created, seq?))),
        )
    }
}

/// A user's org-wide grants, sorted.
#[derive(Message)]
#[rtype(result = "(Vec<OrgGrant>, Seq)")]
pub struct OrgGrants(pub Id);

impl Handler<OrgGrants> for OrgActor {
    type Result = MessageResult<OrgGrants>;

    fn handle(&mut self, OrgGrants(user): OrgGrants, _: &mut Context<Self>) -> Self::Result {
        let at = self.registry.clock().now();
        MessageResult((self.org.org_grants(&user, at), self.applied_seq))
    }
}

impl OrgActor {
    /// Sets the one timer for the next expiry, if it is not set for it
    /// already.
    pub(super) fn arm(&mut self, ctx: &mut Context<Self>) {
        if let Some((at, handle)) = self.timer {
            if self.next_expiry == Some(at) {
                return;
            }
            ctx.cancel_future(handle);
            self.timer = None;
        }
        if let Some(due) = self.next_expiry {
            let wait = wait_until(due, self.registry.clock().now());
            self.timer = Some((due, ctx.notify_later(Expire, wait)));
        }
    }
}

/// From the timer: remove the org-wide grants that have expired, as one
/// journaled change pushed to every event like a revoke (journal, push,
/// then the next message). Planned with the clock's time now; in a cluster
/// only the leader does this, and followers apply the record.
impl Handler<Expire> for OrgActor {
    type Result = AtomicResponse<Self, ()>;

    fn handle(&mut self, _: Expire, _: &mut Context<Self>) -> Self::Result {
        self.timer = None;
        let at = self.registry.clock().now();
        if self.next_expiry.is_none_or(|t| t > at) {
            return AtomicResponse::new(Box::pin(
                fut::ready(())
                    .map(|(), act: &mut OrgActor, ctx: &mut Context<OrgActor>| act.arm(ctx)),
            ));
        }
        let expiring = self.org.plan_expiry(at);
        let done = match expiring.effect {
            Some(effect) => self.change_org_grants(effect, false),
            None => now(Ok((false, self.applied_seq))),
        };
        AtomicResponse::new(Box::pin(done.map(move |done, act, ctx| {
            match done {
                Ok(_) => act.next_expiry = expiring.next,
                Err(e) => {
                    // Nothing changed; the next pass tries again.
                    tracing::warn!(org = %act.id, error = %e, "cannot record expired org-wide grants; retrying in a second");
                    act.timer = Some((at, ctx.notify_later(Expire, Duration::from_secs(1))));
                    return;
                }
            }
            act.arm(ctx);
        })))
    }
}
