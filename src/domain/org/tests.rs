use super::*;
use crate::domain::Timestamp;

/// The instant the rules are asked at, where nothing expires.
const NOW: Timestamp = Timestamp::from_secs(1_000_000);

fn id(s: &str) -> Id {
    Id::parse(s).unwrap()
}

fn team(std: u32, pro: u32) -> Org {
    let mut org = Org::new(OrgKind::Team);
    let pools = org
        .plan_pools(PoolsChange {
            org_standard: Some(std),
            org_pro: Some(pro),
            event_pro: None,
        })
        .unwrap();
    org.apply(&OrgEffect::PoolsSet(pools));
    org
}

fn set(org: &mut Org, user: &str, license: Option<OrgLicense>) -> Result<MemberPlan, Error> {
    let plan = org.plan_member(&id(user), license)?;
    if let Some(e) = &plan.effect {
        org.apply(e);
    }
    Ok(plan)
}

#[test]
fn a_member_holds_at_most_one_org_license_and_pools_are_counted() {
    let mut org = team(1, 1);
    assert!(
        set(&mut org, "ann", Some(OrgLicense::OrgStandard))
            .unwrap()
            .created
    );
    assert_eq!(org.used(OrgLicense::OrgStandard), 1);
    set(&mut org, "ann", Some(OrgLicense::OrgPro)).unwrap();
    assert_eq!(org.used(OrgLicense::OrgStandard), 0);
    assert_eq!(org.used(OrgLicense::OrgPro), 1);
    assert_eq!(org.member(&id("ann")).unwrap(), Some(License::OrgPro));
}

#[test]
fn assigning_from_a_full_pool_is_no_seat_available_and_keeps_the_old_license() {
    let mut org = team(1, 0);
    set(&mut org, "ann", Some(OrgLicense::OrgStandard)).unwrap();
    let before = org.clone();
    assert!(matches!(
        set(&mut org, "bob", Some(OrgLicense::OrgStandard)),
        Err(Error::NoSeatAvailable { .. })
    ));
    assert!(matches!(
        set(&mut org, "ann", Some(OrgLicense::OrgPro)),
        Err(Error::NoSeatAvailable { .. })
    ));
    assert_eq!(org, before);
}

#[test]
fn setting_the_same_license_again_changes_nothing() {
    let mut org = team(1, 0);
    set(&mut org, "ann", Some(OrgLicense::OrgStandard)).unwrap();
    let again = set(&mut org, "ann", Some(OrgLicense::OrgStandard)).unwrap();
    assert_eq!(again.effect, None);
    assert!(!again.created);
    let none = set(&mut org, "bob", None).unwrap();
    assert!(none.created);
    assert_eq!(set(&mut org, "bob", None).unwrap().effect, None);
}

#[test]
fn org_pro_changes_are_flagged_for_slot_release() {
    let mut org = team(0, 1);
    assert!(
        set(&mut org, "ann", Some(OrgLicense::OrgPro))
            .unwrap()
            .becomes_org_pro
    );
    assert!(set(&mut org, "ann", None).unwrap().leaves_org_pro);
}

#[test]
fn lowering_an_org_pool_below_its_holders_is_licenses_in_use() {
    let mut org = team(2, 0);
    set(&mut org, "ann", Some(OrgLicense::OrgStandard)).unwrap();
    set(&mut org, "bob", Some(OrgLicense::OrgStandard)).unwrap();
    let lower = PoolsChange {
        org_standard: Some(1),
        ..Default::default()
    };
    assert_eq!(
        org.plan_pools(lower),
        Err(Error::LicensesInUse(InUse::Members(2)))
    );
    assert!(org
        .plan_pools(PoolsChange {
            org_standard: Some(2),
            ..Default::default()
        })
        .is_ok());
}

#[test]
fn pools_are_capped_and_missing_counts_stay() {
    let org = team(3, 4);
    assert!(matches!(
        org.plan_pools(PoolsChange {
            event_pro: Some(MAX_POOL + 1),
            ..Default::default()
        }),
        Err(Error::BadRequest(_))
    ));
    let p = org
        .plan_pools(PoolsChange {
            event_pro: Some(MAX_POOL),
            ..Default::default()
        })
        .unwrap();
    assert_eq!((p.org_standard, p.org_pro, p.event_pro), (3, 4, MAX_POOL));
}

#[test]
fn a_personal_org_buys_event_pro_only_and_has_only_its_owner() {
    let org = Org::new(OrgKind::Personal { owner: id("olga") });
    assert!(matches!(
        org.plan_pools(PoolsChange {
            org_pro: Some(1),
            ..Default::default()
        }),
        Err(Error::PersonalOrg(_))
    ));
    assert!(org
        .plan_pools(PoolsChange {
            org_standard: Some(0),
            event_pro: Some(5),
            ..Default::default()
        })
        .is_ok());
    assert!(matches!(
        org.plan_member(&id("bob"), None),
        Err(Error::PersonalOrg(_))
    ));
    assert!(matches!(
        org.plan_remove_member(&id("olga")),
        Err(Error::PersonalOrg(_))
    ));
    assert!(matches!(
        org.plan_remove_member(&id("bob")),
        Err(Error::MemberNotFound(_))
    ));
    assert_eq!(org.members(), vec![(id("olga"), Some(License::Owner))]);
    assert_eq!(org.member_count(), 1);
}

#[test]
fn org_access_needs_an_org_license_or_ownership() {
    let mut org = team(1, 1);
    set(&mut org, "std", Some(OrgLicense::OrgStandard)).unwrap();
    set(&mut org, "pro", Some(OrgLicense::OrgPro)).unwrap();
    set(&mut org, "none", None).unwrap();
    assert_eq!(
        org.access(&id("std")),
        Decision::new(Reason::Granted, Some(License::OrgStandard))
    );
    assert_eq!(
        org.access(&id("pro")),
        Decision::new(Reason::Granted, Some(License::OrgPro))
    );
    assert_eq!(
        org.access(&id("none")),
        Decision::new(Reason::NoLicense, None)
    );
    assert_eq!(
        org.access(&id("stranger")),
        Decision::new(Reason::NoLicense, None)
    );
    let personal = Org::new(OrgKind::Personal { owner: id("olga") });
    assert_eq!(
        personal.access(&id("olga")),
        Decision::new(Reason::Granted, Some(License::Owner))
    );
    assert_eq!(personal.access(&id("x")).reason, Reason::NoLicense);
}

#[test]
fn removing_a_member_frees_their_license() {
    let mut org = team(1, 0);
    set(&mut org, "ann", Some(OrgLicense::OrgStandard)).unwrap();
    let e = org.plan_remove_member(&id("ann")).unwrap();
    org.apply(&e);
    assert_eq!(org.used(OrgLicense::OrgStandard), 0);
    assert!(matches!(
        org.plan_remove_member(&id("ann")),
        Err(Error::MemberNotFound(_))
    ));
    set(&mut org, "bob", Some(OrgLicense::OrgStandard)).unwrap();
}

#[test]
fn org_wide_grants_are_event_permissions_granted_once_and_revoked() {
    let mut org = team(0, 0);
    let ann = id("ann");
    assert!(matches!(
        org.plan_org_grant(&ann, Permission::CollaboratorView, None, NOW),
        Err(Error::BadRequest(_))
    ));
    assert!(matches!(
        org.plan_org_grant(&ann, Permission::AreaView, None, NOW),
        Err(Error::BadRequest(_))
    ));
    for p in [Permission::EventView, Permission::EventAdmin] {
        let e = org.plan_org_grant(&ann, p, None, NOW).unwrap().1.unwrap();
        org.apply(&e);
    }
    assert_eq!(
        org.plan_org_grant(&ann, Permission::EventView, None, NOW),
        Ok((false, None))
    );
    let mine: Vec<Permission> = org
        .org_grants(&ann, NOW)
        .iter()
        .map(OrgGrant::permission)
        .collect();
    assert_eq!(mine, vec![Permission::EventAdmin, Permission::EventView]);
    assert_eq!(org.view().org_grants.get(&ann).map(Vec::len), Some(2));
    let before = org.clone();
    assert_eq!(
        org.plan_org_revoke(&ann, Permission::EventUpdate, NOW),
        Err(Error::OrgGrantNotFound(ann.clone()))
    );
    assert_eq!(org, before);
    for p in [Permission::EventView, Permission::EventAdmin] {
        let e = org.plan_org_revoke(&ann, p, NOW).unwrap();
        org.apply(&e);
    }
    assert!(org.org_grants(&ann, NOW).is_empty());
    assert!(org.view().org_grants.is_empty());
}

#[test]
fn prices_are_set_with_the_pools_and_missing_ones_stay() {
    let mut org = team(2, 0);
    assert_eq!(org.prices(), Prices::default());
    let change = PricesChange {
        org_pro: Some(30),
        event_pro: Some(5),
        ..PricesChange::default()
    };
    let (pools, prices) = org.plan_licenses(PoolsChange::default(), change).unwrap();
    org.apply(&OrgEffect::LicensesSet { pools, prices });
    let (pools, prices) = org
        .plan_licenses(
            PoolsChange::default(),
            PricesChange {
                org_standard: Some(10),
                ..PricesChange::default()
            },
        )
        .unwrap();
    assert_eq!(pools.org_standard, 2);
    assert_eq!(
        prices,
        Prices {
            org_standard: 10,
            org_pro: 30,
            event_pro: 5
        }
    );
    // a pool refusal refuses the prices too
    let lower = PoolsChange {
        org_standard: Some(MAX_POOL + 1),
        ..PoolsChange::default()
    };
    assert!(org.plan_licenses(lower, change).is_err());
}
