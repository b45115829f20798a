//! Collaborators, their modules (SPEC §1 "Collaborator modules") and the
//! attachments of free collaborators to them (SPEC §1 "Events").

use serde::{Deserialize, Serialize};

use super::{Action, Domain, Expiry, Id, Permission, Timestamp};

/// A feature area of a collaborator that can be turned off for its free
/// collaborators.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Module {
    Advancing,
    Schedule,
    Files,
}

impl Module {
    /// The module a Collaborator permission belongs to; `None` for
    /// `Collaborator.View` (never taken) and for the other domains.
    pub fn of(permission: Permission) -> Option<Module> {
        if permission.domain() != Domain::Collaborator {
            return None;
        }
        match permission.action() {
            Action::AdvanceView | Action::AdvanceEdit => Some(Module::Advancing),
            Action::ScheduleView | Action::ScheduleEdit => Some(Module::Schedule),
            Action::FileView | Action::FileUpload => Some(Module::Files),
            Action::Admin | Action::View | Action::Update => None,
        }
    }
}

/// Which modules of a collaborator are on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Modules {
    pub advancing: bool,
    pub schedule: bool,
    pub files: bool,
}

impl Default for Modules {
    /// All on, as a collaborator is created.
    fn default() -> Modules {
        Modules::ALL_ON
    }
}

impl Modules {
    pub const ALL_ON: Modules = Modules {
        advancing: true,
        schedule: true,
        files: true,
    };

    pub fn is_on(self, module: Module) -> bool {
        match module {
            Module::Advancing => self.advancing,
            Module::Schedule => self.schedule,
            Module::Files => self.files,
        }
    }

    /// Whether these modules leave `permission` to a free collaborator.
    #[inline]
    pub fn allow(self, permission: Permission) -> bool {
        Module::of(permission).is_none_or(|m| self.is_on(m))
    }

    /// These modules with `change` made; missing keys stay.
    pub fn with(self, change: ModulesChange) -> Modules {
        Modules {
            advancing: change.advancing.unwrap_or(self.advancing),
            schedule: change.schedule.unwrap_or(self.schedule),
            files: change.files.unwrap_or(self.files),
        }
    }
}

/// A request to turn some modules on or off; `None` leaves one unchanged.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ModulesChange {
    pub advancing: Option<bool>,
    pub schedule: Option<bool>,
    pub files: Option<bool>,
}

/// One collaborator of an event.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Collaborator {
    pub name: Option<String>,
    pub modules: Modules,
}

impl Collaborator {
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }
}

/// A user's attachment to one collaborator, until when.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Attachment {
    pub collaborator: Id,
    pub expires: Expiry,
}

/// One user's attachments on one event, sorted by collaborator: a user has
/// one or a few, so a sorted `Vec` is smaller than a set and as fast.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachments(Vec<Attachment>);

impl Attachments {
    fn find(&self, collaborator: &Id) -> Result<usize, usize> {
        self.0
            .binary_search_by(|a| a.collaborator.cmp(collaborator))
    }

    /// The attachment to `collaborator`, expired or not.
    pub fn get(&self, collaborator: &Id) -> Option<&Attachment> {
        self.find(collaborator).ok().and_then(|at| self.0.get(at))
    }

    /// Whether there is an attachment to `collaborator` that still counts
    /// at `now`.
    pub fn holds(&self, collaborator: &Id, now: Timestamp) -> bool {
        self.get(collaborator)
            .is_some_and(|a| a.expires.live_at(now))
    }

    /// Adds an attachment, or replaces the expiry of the one to the same
    /// collaborator; whether it was new.
    pub fn insert(&mut self, attachment: Attachment) -> bool {
        match self.find(&attachment.collaborator) {
            Ok(at) => {
                if let Some(a) = self.0.get_mut(at) {
                    a.expires = attachment.expires;
                }
                false
            }
            Err(at) => {
                self.0.insert(at, attachment);
                true
            }
        }
    }

    /// Removes the attachment to `collaborator`; whether it was there.
    pub fn remove(&mut self, collaborator: &Id) -> bool {
        match self.find(collaborator) {
            Ok(at) => {
                self.0.remove(at);
                true
            }
            Err(_) => false,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The only attachment that counts at `now`, if exactly one does.
    #[inline]
    pub fn only(&self, now: Timestamp) -> Option<&Attachment> {
        let mut live = self.live(now);
        match (live.next(), live.next()) {
            (Some(one), None) => Some(one),
            _ => None,
        }
    }

    /// The attachments that count at `now`, in collaborator order.
    pub fn live(&self, now: Timestamp) -> impl Iterator<Item = &Attachment> {
        self.0.iter().filter(move |a| a.expires.live_at(now))
    }

    /// All of them, expired ones included, in collaborator order.
    pub fn iter(&self) -> std::slice::Iter<'_, Attachment> {
        self.0.iter()
    }
}

/// A collaborator as read back (`GET …/collaborators/{c}`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CollaboratorView {
    pub id: Id,
    pub name: Option<String>,
    pub modules: Modules,
    /// The users attached to it, sorted, with the instant each
    /// attachment ends.
    pub users: Vec<(Id, Option<Timestamp>)>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_collaborator_permission_but_view_belongs_to_one_module() {
        use Permission::*;
        let expected = [
            (CollaboratorView, None),
            (CollaboratorAdvanceView, Some(Module::Advancing)),
            (CollaboratorAdvanceEdit, Some(Module::Advancing)),
            (CollaboratorScheduleView, Some(Module::Schedule)),
            (CollaboratorScheduleEdit, Some(Module::Schedule)),
            (CollaboratorFileView, Some(Module::Files)),
            (CollaboratorFileUpload, Some(Module::Files)),
        ];
        for (p, m) in expected {
            assert_eq!(Module::of(p), m, "{p}");
        }
        for &p in Permission::ALL {
            if p.domain() != Domain::Collaborator {
                assert_eq!(Module::of(p), None, "{p}");
                assert!(Modules {
                    advancing: false,
                    schedule: false,
                    files: false
                }
                .allow(p));
            }
        }
    }

    #[test]
    fn a_change_sets_the_named_modules_and_keeps_the_rest() {
        let m = Modules::ALL_ON.with(ModulesChange {
            schedule: Some(false),
            ..ModulesChange::default()
        });
        assert_eq!(
            m,
            Modules {
                advancing: true,
                schedule: false,
                files: true
            }
        );
        assert!(!m.allow(Permission::CollaboratorScheduleEdit));
        assert!(m.allow(Permission::CollaboratorView));
        assert!(m.allow(Permission::CollaboratorFileUpload));
        assert_eq!(m.with(ModulesChange::default()), m);
    }

    #[test]
    fn attachments_stay_sorted_and_unique_and_expired_ones_do_not_count() {
        let now = Timestamp::from_secs(50);
        let at = |s: &str, expires| Attachment {
            collaborator: Id::parse(s).unwrap(),
            expires,
        };
        let mut a = Attachments::default();
        assert!(a.insert(at("crew", Expiry::NEVER)));
        assert!(a.only(now).is_some());
        assert!(a.insert(at("band", Expiry::at(now.plus(5)))));
        assert!(!a.insert(at("crew", Expiry::NEVER)));
        assert_eq!(a.live(now).count(), 2);
        assert_eq!(a.only(now), None);
        // once band's has expired, crew is the only one that counts
        assert_eq!(a.only(now.plus(5)), Some(&at("crew", Expiry::NEVER)));
        assert!(!a.holds(&Id::parse("band").unwrap(), now.plus(5)));
        assert_eq!(
            a.iter()
                .map(|x| x.collaborator.as_str())
                .collect::<Vec<_>>(),
            vec!["band", "crew"]
        );
        assert!(a.remove(&Id::parse("band").unwrap()));
        assert!(!a.remove(&Id::parse("band").unwrap()));
        assert_eq!(a.only(now), Some(&at("crew", Expiry::NEVER)));
    }
}
