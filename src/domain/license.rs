//! Licenses, license ceilings and the answer to a check (SPEC §1 "The check").

use serde::{Deserialize, Serialize};

use super::{Domain, Id, Permission, Scope};

/// An org license a member can hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgLicense {
    OrgStandard,
    OrgPro,
}

impl std::fmt::Display for OrgLicense {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            OrgLicense::OrgStandard => "Org Standard",
            OrgLicense::OrgPro => "Org Pro",
        })
    }
}

/// The license a user has somewhere, as reported on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum License {
    OrgStandard,
    OrgPro,
    Owner,
    EventPro,
    Collaborator,
}

impl License {
    pub fn as_str(self) -> &'static str {
        match self {
            License::OrgStandard => "org_standard",
            License::OrgPro => "org_pro",
            License::Owner => "owner",
            License::EventPro => "event_pro",
            License::Collaborator => "collaborator",
        }
    }
}

impl From<OrgLicense> for License {
    fn from(l: OrgLicense) -> License {
        match l {
            OrgLicense::OrgStandard => License::OrgStandard,
            OrgLicense::OrgPro => License::OrgPro,
        }
    }
}

/// The most a user's license lets them do on one event.
#[derive(Debug)]
pub enum Ceiling<'a> {
    Everything,
    /// Free collaborator access: Collaborator permissions on this one
    /// collaborator only (the modules it has on may take some away).
    Collaborator(&'a Id),
    Nothing,
}

impl Ceiling<'_> {
    pub fn admits(&self, permission: Permission, scope: &Scope) -> bool {
        match (self, scope) {
            (Ceiling::Everything, _) => true,
            (Ceiling::Collaborator(mine), Scope::Collaborator(c)) => {
                permission.domain() == Domain::Collaborator && *mine == c
            }
            _ => false,
        }
    }
}

/// Why a check answered as it did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    Granted,
    NoLicense,
    OutsideLicense,
    /// A free collaborator, inside their collaborator, whose module for the
    /// permission is off.
    ModuleDisabled,
    NoPermission,
}

impl Reason {
    pub const ALL: [Reason; 5] = [
        Reason::Granted,
        Reason::NoLicense,
        Reason::OutsideLicense,
        Reason::ModuleDisabled,
        Reason::NoPermission,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Granted => "granted",
            Reason::NoLicense => "no_license",
            Reason::OutsideLicense => "outside_license",
            Reason::ModuleDisabled => "module_disabled",
            Reason::NoPermission => "no_permission",
        }
    }
}

/// The answer to a check or an access question.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Decision {
    pub allowed: bool,
    pub reason: Reason,
    pub license: Option<License>,
}

impl Decision {
    pub fn new(reason: Reason, license: Option<License>) -> Decision {
        Decision {
            allowed: reason == Reason::Granted,
            reason,
            license,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> Id {
        Id::parse(s).unwrap()
    }

    #[test]
    fn everything_admits_every_permission_and_nothing_admits_none() {
        for &p in Permission::ALL {
            let scope = match p.domain() {
                Domain::Event => Scope::Event,
                Domain::Collaborator => Scope::Collaborator(id("c")),
                Domain::Area => Scope::Area(id("a")),
            };
            assert!(Ceiling::Everything.admits(p, &scope));
            assert!(!Ceiling::Nothing.admits(p, &scope));
        }
    }

    #[test]
    fn a_collaborator_ceiling_admits_collaborator_permissions_on_its_own_collaborator_only() {
        let mine = id("band");
        let ceiling = Ceiling::Collaborator(&mine);
        assert!(ceiling.admits(
            Permission::CollaboratorAdvanceEdit,
            &Scope::Collaborator(id("band"))
        ));
        assert!(!ceiling.admits(
            Permission::CollaboratorView,
            &Scope::Collaborator(id("other"))
        ));
        assert!(!ceiling.admits(Permission::EventView, &Scope::Event));
        assert!(!ceiling.admits(Permission::AreaView, &Scope::Area(id("band"))));
    }

    #[test]
    fn only_granted_is_allowed() {
        for reason in Reason::ALL {
            assert_eq!(
                Decision::new(reason, None).allowed,
                reason == Reason::Granted
            );
        }
    }
}
