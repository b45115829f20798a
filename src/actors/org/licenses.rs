//! License pools, prices and members: the changes that restrict or free
//! slots on the org's events.

use super::*;

/// Sets license counts and prices. Lowering Event Pro asks every event to
/// adopt the smaller pool first; if any uses more slots, or the journal then
/// refuses the record, the ones that adopted it go back and nothing changes.
#[derive(Message)]
#[rtype(result = "Result<Seq, Failure>")]
pub struct SetLicenses {
    pub pools: PoolsChange,
    pub prices: PricesChange,
}

/// [`SetLicenses`] without prices.
#[derive(Message)]
#[rtype(result = "Result<Seq, Failure>")]
pub struct SetPools(pub PoolsChange);

impl Handler<SetLicenses> for OrgActor {
    type Result = AtomicResponse<Self, Result<Seq, Failure>>;

    fn handle(&mut self, m: SetLicenses, _: &mut Context<Self>) -> Self::Result {
        AtomicResponse::new(self.set_licenses(m.pools, m.prices))
    }
}

impl Handler<SetPools> for OrgActor {
    type Result = AtomicResponse<Self, Result<Seq, Failure>>;

    fn handle(&mut self, SetPools(pools): SetPools, _: &mut Context<Self>) -> Self::Result {
        AtomicResponse::new(self.set_licenses(pools, PricesChange::default()))
    }
}

impl OrgActor {
    fn set_licenses(&mut self, pools: PoolsChange, prices: PricesChange) -> Answer<Seq> {
        let (pools, prices) = match self.org.plan_licenses(pools, prices) {
            Ok(new) if new == (self.org.pools(), self.org.prices()) => {
                return now(Ok(self.applied_seq))
            }
            Ok(new) => new,
            Err(e) => return now(Err(e.into())),
        };
        let effect = OrgEffect::LicensesSet { pools, prices };
        if pools.event_pro >= self.view.slot_total {
            // Allowing more: journal first, so any slot given under the new
            // count comes after this record.
            return self.publish(effect, |act| {
                (pools.event_pro != act.view.slot_total).then(|| OrgView {
                    slot_total: pools.event_pro,
                    ..(*act.view).clone()
                })
            });
        }
        self.lower_event_pro(effect, pools.event_pro)
    }

    /// Journals `effect`, then (when given) makes `view` the events' view
    /// and tells every event before answering. For changes that allow more,
    /// or that restrict without freeing anything another request could take.
    pub(super) fn publish(
        &mut self,
        effect: OrgEffect,
        view: impl FnOnce(&OrgActor) -> Option<OrgView>,
    ) -> Answer<Seq> {
        let seq = match self.commit(effect) {
            Ok(seq) => seq,
            Err(e) => return now(Err(e)),
        };
        let Some(view) = view(self) else {
            return now(Ok(seq));
        };
        let view = Arc::new(view);
        self.view = view.clone();
        let events = self.event_list();
        Box::pin(
            async move {
                broadcast(&events, &view, seq).await;
                Ok(seq)
            }
            .into_actor(self),
        )
    }

    /// Allowing fewer slots: every event adopts the count tentatively and
    /// pauses; then it is journaled, and the events learn the outcome. If
    /// any event uses more slots, or the journal refuses the record,
    /// `decide` is dropped and every event goes back to the old view.
    fn lower_event_pro(&mut self, effect: OrgEffect, slot_total: u32) -> Answer<Seq> {
        let new_view = Arc::new(OrgView {
            slot_total,
            ..(*self.view).clone()
        });
        let events = self.event_list();
        let (decide, decided) = tokio::sync::watch::channel(Lowering::Pending);
        Box::pin(
            async move {
                let answers = join_all(events.iter().map(|(_, a)| {
                    a.send(TryView {
                        view: new_view.clone(),
                        decided: decided.clone(),
                    })
                }))
                .await;
                let mut blocked = Vec::new();
                for ((id, _), answer) in events.iter().zip(answers) {
                    match answer {
                        Ok(Ok(())) => {}
                        Ok(Err(used)) => blocked.push((id.clone(), used)),
                        Err(_) => {} // deleted meanwhile
                    }
                }
                if !blocked.is_empty() {
                    return Err(Error::LicensesInUse(InUse::Events(blocked)).into());
                }
                Ok(new_view)
            }
            .into_actor(self)
            .map(move |adopted: Result<_, Failure>, act, _| {
                let view = adopted?;
                let seq = act.commit(effect)?;
                act.view = view;
                decide.send_replace(Lowering::Journaled(seq));
                Ok(seq)
            }),
        )
    }

    /// Giving `user` Org Pro restricts and frees at once. First every event
    /// stops giving them a slot; then the change is journaled; only then do
    /// the events release their slots, so any claim of a freed slot follows
    /// the record in the journal. Answers the events where a slot was freed.
    fn give_org_pro(&mut self, user: Id, effect: OrgEffect) -> Answer<(Vec<Id>, Seq)> {
        let mut view = (*self.view).clone();
        view.org_pro.insert(user.clone());
        let view = Arc::new(view);
        let events = self.event_list();
        let journal = self.log.clone();
        let record = Record::Org {
            org: self.id.clone(),
            effect,
        };
        Box::pin(
            async move {
                join_all(events.iter().map(|(_, a)| a.send(HoldSlots(user.clone())))).await;
                let seq = match journal.append(&record) {
                    Ok(seq) => seq,
                    Err(e) => {
                        for (_, a) in &events {
                            a.do_send(ReleaseHold(user.clone()));
                        }
                        return Err(Failure::from(e));
                    }
                };
                let answers = join_all(events.iter().map(|(_, a)| {
                    a.send(GiveOrgPro {
                        user: user.clone(),
                        view: view.clone(),
                        seq,
                    })
                }))
                .await;
                let released: Vec<Id> = events
                    .iter()
                    .zip(answers)
                    .filter(|(_, answer)| matches!(answer, Ok(true)))
                    .map(|((id, _), _)| id.clone())
                    .collect();
                Ok((record, seq, view, released))
            }
            .into_actor(self)
            .map(move |done, act, _| {
                let (record, seq, view, released) = done?;
                if let Record::Org { effect, .. } = &record {
                    act.applied(effect, seq);
                }
                act.view = view;
                Ok((released, seq))
            }),
        )
    }

    /// The events' view without `user` among the Org Pro holders, if they
    /// are one.
    fn view_without_org_pro(&self, user: &Id) -> Option<OrgView> {
        self.view.org_pro.contains(user).then(|| {
            let mut view = (*self.view).clone();
            view.org_pro.remove(user);
            view
        })
    }

    /// The events' view with the org's current org-wide grants.
    pub(super) fn view_with_org_grants(&self) -> OrgView {
        OrgView {
            org_grants: self.org.org_grants_by_user(),
            org_grants_expire: self.org.next_grant_expiry(),
            ..(*self.view).clone()
        }
    }
}

#[derive(Debug, Clone)]
pub struct MemberOutcome {
    pub created: bool,
    pub license: Option<License>,
    /// Events where the member's slot was released (given Org Pro).
    pub released_slots: Vec<Id>,
    pub seq: Seq,
}

#[derive(Message)]
#[rtype(result = "Result<MemberOutcome, Failure>")]
pub struct SetMember {
    pub user: Id,
    pub license: Option<OrgLicense>,
}

impl Handler<SetMember> for OrgActor {
    type Result = AtomicResponse<Self, Result<MemberOutcome, Failure>>;

    fn handle(&mut self, m: SetMember, _: &mut Context<Self>) -> Self::Result {
        let license = m.license.map(License::from);
        let plan = self.org.plan_member(&m.user, m.license);
        let created = plan.as_ref().is_ok_and(|p| p.created);
        let done = match plan {
            Err(e) => now(Err(e.into())),
            Ok(MemberPlan { effect: None, .. }) => now(Ok((Vec::new(), self.applied_seq))),
            Ok(MemberPlan {
                effect: Some(effect),
                becomes_org_pro: true,
                ..
            }) => self.give_org_pro(m.user, effect),
            // Otherwise journal first; if Org Pro is given up, the events
            // learn it after the record, so a slot given to them comes
            // later in the journal.
            Ok(MemberPlan {
                effect: Some(effect),
                ..
            }) => {
                let user = m.user;
                let view = move |act: &OrgActor| act.view_without_org_pro(&user);
                Box::pin(
                    self.publish(effect, view)
                        .map(|seq, _, _| Ok((Vec::new(), seq?))),
                )
            }
        };
        AtomicResponse::new(Box::pin(done.map(move |done, _, _| {
            let (released_slots, seq) = done?;
            Ok(MemberOutcome {
                created,
                license,
                released_slots,
                seq,
            })
        })))
    }
}

#[derive(Message)]
#[rtype(result = "Result<Seq, Failure>")]
pub struct RemoveMember(pub Id);

impl Handler<RemoveMember> for OrgActor {
    type Result = AtomicResponse<Self, Result<Seq, Failure>>;

    fn handle(&mut self, RemoveMember(user): RemoveMember, _: &mut Context<Self>) -> Self::Result {
        AtomicResponse::new(match self.org.plan_remove_member(&user) {
            Ok(effect) => self.publish(effect, |act| act.view_without_org_pro(&user)),
            Err(e) => now(Err(e.into())),
        })
    }
}
