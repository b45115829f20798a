use crate::domain::Error;
use crate::persist::JournalError;

/// Why an actor did not do what it was asked.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// A rule refused it; nothing changed.
    #[error(transparent)]
    Rule(#[from] Error),
    /// The server cannot take writes right now (the journal is closed while
    /// shutting down); nothing changed.
    #[error("the server is shutting down or cannot write its journal: {0}")]
    Unavailable(String),
}

impl From<JournalError> for Failure {
    fn from(e: JournalError) -> Failure {
        Failure::Unavailable(e.to_string())
    }
}
