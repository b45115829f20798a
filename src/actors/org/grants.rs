//! Org-wide grants: journaled by the org, pushed to every event in its view.

use super::*;

/// Grants an Event permission to `user` on every event of the org, present
/// and future. Answers whether it was new.
#[derive(Message)]
#[rtype(result = "Result<(bool, Seq), Failure>")]
pub struct GrantOrgWide {
    pub user: Id,
    pub permission: Permission,
}

impl Handler<GrantOrgWide> for OrgActor {
    type Result = AtomicResponse<Self, Result<(bool, Seq), Failure>>;

    fn handle(&mut self, m: GrantOrgWide, _: &mut Context<Self>) -> Self::Result {
        AtomicResponse::new(match self.org.plan_org_grant(&m.user, m.permission) {
            Ok(Some(effect)) => self.change_org_grants(effect, true),
            Ok(None) => now(Ok((false, self.applied_seq))),
            Err(e) => now(Err(e.into())),
        })
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
        AtomicResponse::new(match self.org.plan_org_revoke(&m.user, m.permission) {
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
        MessageResult((self.org.org_grants(&user), self.applied_seq))
    }
}
