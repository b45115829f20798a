//! The permission catalogue, scopes, grants and the implication rules
//! (SPEC §1 "Permissions").

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{Error, Expiry, Id};

/// Which part of an event a permission speaks about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Domain {
    Event,
    Collaborator,
    Area,
}

/// What a permission lets one do, independent of its domain.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    Admin,
    View,
    Update,
    ScheduleView,
    ScheduleEdit,
    FileView,
    FileUpload,
    AdvanceView,
    AdvanceEdit,
}

impl Action {
    /// Rules 2 and 3: within one domain and scope, `self` covers `want` when
    /// they are equal, `want` is the view of `self`'s edit, or `want` is View.
    fn covers_in_domain(self, want: Action) -> bool {
        use Action::*;
        self == want
            || want == View
            || matches!(
                (self, want),
                (Update, View)
                    | (ScheduleEdit, ScheduleView)
                    | (AdvanceEdit, AdvanceView)
                    | (FileUpload, FileView)
            )
    }

    /// Rule 4: event-wide actions that reach every collaborator and area.
    const EVENT_WIDE: [Action; 5] = [
        Action::View,
        Action::ScheduleView,
        Action::ScheduleEdit,
        Action::FileView,
        Action::FileUpload,
    ];
}

macro_rules! catalogue {
    ($($variant:ident => $name:literal, $domain:ident, $action:ident;)*) => {
        /// One of the 19 permissions of SPEC §1.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum Permission { $($variant,)* }

        impl Permission {
            pub const ALL: &'static [Permission] = &[$(Permission::$variant,)*];

            pub fn name(self) -> &'static str {
                match self { $(Permission::$variant => $name,)* }
            }

            pub fn domain(self) -> Domain {
                match self { $(Permission::$variant => Domain::$domain,)* }
            }

            pub fn action(self) -> Action {
                match self { $(Permission::$variant => Action::$action,)* }
            }

            pub fn parse(raw: &str) -> Result<Permission, Error> {
                match raw {
                    $($name => Ok(Permission::$variant),)*
                    _ => Err(Error::UnknownPermission(raw.chars().take(64).collect())),
                }
            }
        }
    };
}

catalogue! {
    EventAdmin => "Event.Admin", Event, Admin;
    EventView => "Event.View", Event, View;
    EventUpdate => "Event.Update", Event, Update;
    EventScheduleView => "Event.ScheduleView", Event, ScheduleView;
    EventScheduleEdit => "Event.ScheduleEdit", Event, ScheduleEdit;
    EventFileView => "Event.FileView", Event, FileView;
    EventFileUpload => "Event.FileUpload", Event, FileUpload;
    CollaboratorView => "Collaborator.View", Collaborator, View;
    CollaboratorAdvanceView => "Collaborator.AdvanceView", Collaborator, AdvanceView;
    CollaboratorAdvanceEdit => "Collaborator.AdvanceEdit", Collaborator, AdvanceEdit;
    CollaboratorScheduleView => "Collaborator.ScheduleView", Collaborator, ScheduleView;
    CollaboratorScheduleEdit => "Collaborator.ScheduleEdit", Collaborator, ScheduleEdit;
    CollaboratorFileView => "Collaborator.FileView", Collaborator, FileView;
    CollaboratorFileUpload => "Collaborator.FileUpload", Collaborator, FileUpload;
    AreaView => "Area.View", Area, View;
    AreaScheduleView => "Area.ScheduleView", Area, ScheduleView;
    AreaScheduleEdit => "Area.ScheduleEdit", Area, ScheduleEdit;
    AreaFileView => "Area.FileView", Area, FileView;
    AreaFileUpload => "Area.FileUpload", Area, FileUpload;
}

impl Permission {
    /// The grants a free collaborator gets on attach when none are named.
    pub const COLLABORATOR_DEFAULTS: [Permission; 6] = [
        Permission::CollaboratorView,
        Permission::CollaboratorAdvanceView,
        Permission::CollaboratorAdvanceEdit,
        Permission::CollaboratorScheduleView,
        Permission::CollaboratorFileView,
        Permission::CollaboratorFileUpload,
    ];

    /// The permission of `domain` doing `action`, if the catalogue has one.
    fn of(domain: Domain, action: Action) -> Option<Permission> {
        Permission::ALL
            .iter()
            .copied()
            .find(|p| p.domain() == domain && p.action() == action)
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Where a permission applies: the whole event, or one collaborator or area.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Scope {
    Event,
    Collaborator(Id),
    Area(Id),
}

impl Scope {
    pub fn domain(&self) -> Domain {
        match self {
            Scope::Event => Domain::Event,
            Scope::Collaborator(_) => Domain::Collaborator,
            Scope::Area(_) => Domain::Area,
        }
    }

    /// Picks the scope a permission needs from the optional `collaborator` and
    /// `area` a request named: exactly the one its domain requires.
    pub fn for_permission(
        permission: Permission,
        collaborator: Option<Id>,
        area: Option<Id>,
    ) -> Result<Scope, Error> {
        match (permission.domain(), collaborator, area) {
            (Domain::Event, None, None) => Ok(Scope::Event),
            (Domain::Collaborator, Some(c), None) => Ok(Scope::Collaborator(c)),
            (Domain::Area, None, Some(a)) => Ok(Scope::Area(a)),
            (Domain::Event, _, _)
            | (Domain::Collaborator, _, Some(_))
            | (Domain::Area, Some(_), _) => Err(Error::UnexpectedScope(permission)),
            (Domain::Collaborator, None, None) | (Domain::Area, None, None) => {
                Err(Error::MissingScope(permission))
            }
        }
    }
}

/// A permission given to a user on an event, scoped as its domain requires.
/// Built only through [`Grant::new`], so the scope always fits the domain.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Grant {
    permission: Permission,
    scope: Scope,
}

impl Grant {
    pub fn new(permission: Permission, scope: Scope) -> Result<Grant, Error> {
        let (c, a) = match &scope {
            Scope::Event => (None, None),
            Scope::Collaborator(c) => (Some(c.clone()), None),
            Scope::Area(a) => (None, Some(a.clone())),
        };
        let scope = Scope::for_permission(permission, c, a)?;
        Ok(Grant { permission, scope })
    }

    pub fn permission(&self) -> Permission {
        self.permission
    }

    pub fn scope(&self) -> &Scope {
        &self.scope
    }

    /// Whether this grant covers `want` on `scope`, by the four implication
    /// rules applied transitively. Answered from tables built once from
    /// [`Grant::covers_by_rules`] (a test checks they agree on every pair).
    /// `scope` is taken to fit `want`'s domain, as [`Scope::for_permission`]
    /// makes it. Inlined: a check calls it once per grant the user holds.
    #[inline]
    pub fn covers(&self, want: Permission, scope: &Scope) -> bool {
        if self.permission == Permission::EventAdmin {
            return true; // rule 1
        }
        let t = tables();
        let have = self.permission as usize;
        let bit = 1u32 << (want as usize);
        let same = t.same_scope.get(have).copied().unwrap_or(0);
        let reach = t.event_wide.get(have).copied().unwrap_or(0);
        match (&self.scope, scope) {
            (Scope::Event, Scope::Event) => same & bit != 0,
            // Rule 4 (and rule 1 through it): event-wide reaches everywhere.
            (Scope::Event, _) => reach & bit != 0,
            (Scope::Collaborator(a), Scope::Collaborator(b)) | (Scope::Area(a), Scope::Area(b)) => {
                same & bit != 0 && a == b
            }
            _ => false,
        }
    }

    /// [`Grant::covers`] written as the rules say it.
    pub fn covers_by_rules(&self, want: Permission, scope: &Scope) -> bool {
        let have = self.permission.action();
        if have == Action::Admin {
            return true; // rule 1
        }
        if self.scope == *scope {
            return have.covers_in_domain(want.action()); // rules 2 and 3
        }
        // Rule 4: an event-wide grant reaches into every collaborator and
        // area through the event-wide actions it covers.
        self.scope == Scope::Event
            && Action::EVENT_WIDE.iter().any(|&wide| {
                have.covers_in_domain(wide)
                    && Permission::of(scope.domain(), wide)
                        .is_some_and(|reached| reached.action().covers_in_domain(want.action()))
            })
    }
}

impl Permission {
    /// Whether `permissions` may be given on attach: Collaborator ones only
    /// (`bad_request` names the first that is not).
    pub fn attachable(permissions: &[Permission]) -> Result<(), Error> {
        match permissions.iter().find(|p| p.domain() != Domain::Collaborator) {
            Some(p) => Err(Error::BadRequest(format!(
                "{p} is not a Collaborator permission; a free collaborator can only be given Collaborator permissions on attach"
            ))),
            None => Ok(()),
        }
    }
}

/// An Event-domain permission granted to a user on every event of an org
/// (SPEC §1 "Org-wide grants"), until when.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct OrgGrant {
    permission: Permission,
    expires: Expiry,
}

impl OrgGrant {
    /// Only Event-domain permissions can be org-wide: the others name a
    /// scope that exists on one event only.
    pub fn new(permission: Permission) -> Result<OrgGrant, Error> {
        if permission.domain() != Domain::Event {
            return Err(Error::BadRequest(format!(
                "{permission} cannot be granted org-wide: only Event permissions can (a collaborator or area exists on one event only)"
            )));
        }
        Ok(OrgGrant {
            permission,
            expires: Expiry::NEVER,
        })
    }

    /// The same grant, ending at `expires`.
    pub fn until(self, expires: Expiry) -> OrgGrant {
        OrgGrant { expires, ..self }
    }

    pub fn permission(&self) -> Permission {
        self.permission
    }

    pub fn expires(&self) -> Expiry {
        self.expires
    }

    /// Whether it covers `want` on `scope` of any event of the org, exactly
    /// as the same grant given on that event would.
    #[inline]
    pub fn covers(&self, want: Permission, scope: &Scope) -> bool {
        Grant {
            permission: self.permission,
            scope: Scope::Event,
        }
        .covers(want, scope)
    }
}

/// For each permission held, the permissions it covers as bit sets (bit `i`
/// is `Permission::ALL[i]`).
struct Tables {
    /// On the grant's own scope (the asked permission is then of the same
    /// domain, since a scope fixes the domain).
    same_scope: [u32; 19],
    /// From an event-wide grant, on any collaborator or area.
    event_wide: [u32; 19],
}

fn tables() -> &'static Tables {
    static TABLES: std::sync::OnceLock<Tables> = std::sync::OnceLock::new();
    TABLES.get_or_init(|| {
        let probe_c = Scope::Collaborator(Id::probe());
        let probe_a = Scope::Area(Id::probe());
        let mut t = Tables {
            same_scope: [0; 19],
            event_wide: [0; 19],
        };
        for &have in Permission::ALL {
            let own = match have.domain() {
                Domain::Event => Scope::Event,
                Domain::Collaborator => probe_c.clone(),
                Domain::Area => probe_a.clone(),
            };
            let grant = Grant {
                permission: have,
                scope: own.clone(),
            };
            for &want in Permission::ALL {
                let bit = 1u32 << (want as usize);
                if want.domain() == have.domain() && grant.covers_by_rules(want, &own) {
                    if let Some(m) = t.same_scope.get_mut(have as usize) {
                        *m |= bit;
                    }
                }
                let elsewhere = match want.domain() {
                    Domain::Event => None,
                    Domain::Collaborator => Some(&probe_c),
                    Domain::Area => Some(&probe_a),
                };
                if let (Domain::Event, Some(scope)) = (have.domain(), elsewhere) {
                    if grant.covers_by_rules(want, scope) {
                        if let Some(m) = t.event_wide.get_mut(have as usize) {
                            *m |= bit;
                        }
                    }
                }
            }
        }
        t
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use Permission::*;

    fn id(s: &str) -> Id {
        Id::parse(s).unwrap()
    }
    #[test]
    fn the_coverage_tables_agree_with_the_rules_on_every_pair() {
        let scopes = [Scope::Event, c("c1"), c("c2"), a("a1"), a("a2")];
        for &have in Permission::ALL {
            for held_on in &scopes {
                let Ok(grant) = Grant::new(have, held_on.clone()) else {
                    continue;
                };
                for &want in Permission::ALL {
                    for asked_on in scopes.iter().filter(|s| s.domain() == want.domain()) {
                        assert_eq!(
                            grant.covers(want, asked_on),
                            grant.covers_by_rules(want, asked_on),
                            "{have} on {held_on:?} asked {want} on {asked_on:?}"
                        );
                    }
                }
            }
        }
    }

    fn event(p: Permission) -> Grant {
        Grant::new(p, Scope::Event).unwrap()
    }
    fn collab(p: Permission, c: &str) -> Grant {
        Grant::new(p, Scope::Collaborator(id(c))).unwrap()
    }
    fn area(p: Permission, a: &str) -> Grant {
        Grant::new(p, Scope::Area(id(a))).unwrap()
    }
    fn c(name: &str) -> Scope {
        Scope::Collaborator(id(name))
    }
    fn a(name: &str) -> Scope {
        Scope::Area(id(name))
    }

    #[test]
    fn the_catalogue_has_19_permissions_with_unique_parsable_names() {
        assert_eq!(Permission::ALL.len(), 19);
        for &p in Permission::ALL {
            assert_eq!(Permission::parse(p.name()).unwrap(), p);
            assert!(p.name().starts_with(match p.domain() {
                Domain::Event => "Event.",
                Domain::Collaborator => "Collaborator.",
                Domain::Area => "Area.",
            }));
        }
        assert!(matches!(
            Permission::parse("Event.Fly"),
            Err(Error::UnknownPermission(_))
        ));
        assert!(Permission::parse("event.view").is_err());
    }

    #[test]
    fn scopes_must_fit_the_domain() {
        assert_eq!(
            Scope::for_permission(EventView, None, None).unwrap(),
            Scope::Event
        );
        assert!(matches!(
            Scope::for_permission(EventView, Some(id("c")), None),
            Err(Error::UnexpectedScope(_))
        ));
        assert!(matches!(
            Scope::for_permission(CollaboratorView, None, None),
            Err(Error::MissingScope(_))
        ));
        assert!(matches!(
            Scope::for_permission(CollaboratorView, None, Some(id("a"))),
            Err(Error::UnexpectedScope(_))
        ));
        assert!(matches!(
            Scope::for_permission(AreaView, None, None),
            Err(Error::MissingScope(_))
        ));
        assert!(matches!(
            Scope::for_permission(AreaView, Some(id("c")), Some(id("a"))),
            Err(Error::UnexpectedScope(_))
        ));
        assert!(Grant::new(AreaView, Scope::Collaborator(id("c"))).is_err());
    }

    #[test]
    fn rule_1_admin_covers_everything_on_every_scope() {
        let admin = event(EventAdmin);
        for &p in Permission::ALL {
            for scope in [Scope::Event, c("x"), a("y")] {
                assert!(admin.covers(p, &scope), "{p} on {scope:?}");
            }
        }
    }

    #[test]
    fn rule_2_edit_covers_view_in_the_same_domain_and_scope() {
        assert!(event(EventUpdate).covers(EventView, &Scope::Event));
        assert!(event(EventScheduleEdit).covers(EventScheduleView, &Scope::Event));
        assert!(collab(CollaboratorAdvanceEdit, "c").covers(CollaboratorAdvanceView, &c("c")));
        assert!(area(AreaFileUpload, "a").covers(AreaFileView, &a("a")));
        // not the other way round, nor on another scope
        assert!(!event(EventView).covers(EventUpdate, &Scope::Event));
        assert!(!collab(CollaboratorAdvanceView, "c").covers(CollaboratorAdvanceEdit, &c("c")));
        assert!(!collab(CollaboratorAdvanceEdit, "c").covers(CollaboratorAdvanceView, &c("d")));
        // edit covers only its own view
        assert!(!event(EventScheduleEdit).covers(EventFileView, &Scope::Event));
    }

    #[test]
    fn rule_3_any_permission_covers_its_domains_view_on_the_same_scope() {
        assert!(area(AreaFileUpload, "a").covers(AreaView, &a("a")));
        assert!(area(AreaScheduleView, "a").covers(AreaView, &a("a")));
        assert!(collab(CollaboratorFileView, "c").covers(CollaboratorView, &c("c")));
        assert!(event(EventFileView).covers(EventView, &Scope::Event));
        assert!(!area(AreaFileUpload, "a").covers(AreaView, &a("b")));
        assert!(!collab(CollaboratorFileView, "c").covers(CollaboratorScheduleView, &c("c")));
    }

    #[test]
    fn rule_4_event_wide_permissions_reach_every_collaborator_and_area() {
        let pairs = [
            (EventView, CollaboratorView, AreaView),
            (
                EventScheduleView,
                CollaboratorScheduleView,
                AreaScheduleView,
            ),
            (
                EventScheduleEdit,
                CollaboratorScheduleEdit,
                AreaScheduleEdit,
            ),
            (EventFileView, CollaboratorFileView, AreaFileView),
            (EventFileUpload, CollaboratorFileUpload, AreaFileUpload),
        ];
        for (e, cp, ap) in pairs {
            assert!(event(e).covers(cp, &c("any")), "{e} => {cp}");
            assert!(event(e).covers(ap, &a("any")), "{e} => {ap}");
        }
        // transitively: event-wide edit reaches the scoped view too
        assert!(event(EventScheduleEdit).covers(AreaScheduleView, &a("z")));
        assert!(event(EventFileUpload).covers(CollaboratorFileView, &c("z")));
        // any event-wide permission covers Event.View, hence every scoped View
        assert!(event(EventUpdate).covers(AreaView, &a("z")));
        assert!(!event(EventUpdate).covers(AreaScheduleView, &a("z")));
        // advancing has no event-wide permission but Admin
        for &p in Permission::ALL {
            if p != EventAdmin && p.domain() == Domain::Event {
                assert!(!event(p).covers(CollaboratorAdvanceView, &c("c")), "{p}");
            }
        }
        // scoped grants never reach event-wide permissions
        assert!(!collab(CollaboratorScheduleEdit, "c").covers(EventScheduleView, &Scope::Event));
        assert!(!area(AreaView, "a").covers(EventView, &Scope::Event));
    }

    #[test]
    fn scoped_grants_never_cross_domains() {
        // a collaborator and an area with the same id are different scopes
        assert!(!collab(CollaboratorView, "x").covers(AreaView, &a("x")));
        assert!(!area(AreaView, "x").covers(CollaboratorView, &c("x")));
    }
}
