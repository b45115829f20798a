//! The one place that knows the on-disk encoding. Bodies are bincode 2 (serde);
//! every file starts with an 8-byte magic and a format version, so the body
//! encoding can change later behind a new version with a reader for the old.

use serde::de::DeserializeOwned;
use serde::Serialize;

/// The journal format version this build writes, and the only one it
/// reads. New journal records are new enum variants at the end, which old
/// journals never hold, so it has not changed.
pub const FORMAT_VERSION: u32 = 1;
/// The snapshot format version this build writes. 2: collaborator modules,
/// org-wide grants, event peaks and org prices. 3: expiries of slots,
/// attachments, grants and org-wide grants. Versions 1 and 2 are read too
/// (`persist::v1`).
pub const SNAPSHOT_VERSION: u32 = 3;
pub const JOURNAL_MAGIC: [u8; 8] = *b"GHJOURNL";
pub const SNAPSHOT_MAGIC: [u8; 8] = *b"GHSNAPSH";
/// Magic plus a little-endian `u32` version.
pub const HEADER_LEN: usize = 12;

#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    #[error("cannot encode: {0}")]
    Encode(#[from] bincode::error::EncodeError),
    #[error("cannot decode: {0}")]
    Decode(#[from] bincode::error::DecodeError),
    #[error("{0} bytes left over after the value")]
    Trailing(usize),
}

fn config() -> impl bincode::config::Config {
    bincode::config::standard()
}

pub fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, CodecError> {
    Ok(bincode::serde::encode_to_vec(value, config())?)
}

/// Appends `value`'s encoding to `out`.
pub fn encode_into<T: Serialize>(out: &mut Vec<u8>, value: &T) -> Result<(), CodecError> {
    bincode::serde::encode_into_std_write(value, out, config())?;
    Ok(())
}

/// Decodes a whole buffer; trailing bytes mean the data is not what it claims.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, CodecError> {
    let (value, used) = bincode::serde::decode_from_slice(bytes, config())?;
    match bytes.len().saturating_sub(used) {
        0 => Ok(value),
        n => Err(CodecError::Trailing(n)),
    }
}

pub fn header(magic: [u8; 8]) -> [u8; HEADER_LEN] {
    header_of(magic, FORMAT_VERSION)
}

pub fn header_of(magic: [u8; 8], version: u32) -> [u8; HEADER_LEN] {
    let mut h = [0u8; HEADER_LEN];
    let (m, v) = h.split_at_mut(8);
    m.copy_from_slice(&magic);
    v.copy_from_slice(&version.to_le_bytes());
    h
}

/// What is wrong with a file's header.
#[derive(Debug, thiserror::Error)]
pub enum HeaderError {
    #[error("the file is shorter than its header")]
    Short,
    #[error("the file does not start with the expected magic bytes")]
    Magic,
    #[error("format version {found} is not readable by this build (it reads {reads:?})")]
    Version { found: u32, reads: &'static [u32] },
}

/// Checks a journal file's header: its magic and the format version.
pub fn check_header(bytes: &[u8], magic: [u8; 8]) -> Result<(), HeaderError> {
    match version_of(bytes, magic)? {
        FORMAT_VERSION => Ok(()),
        found => Err(HeaderError::Version {
            found,
            reads: &[FORMAT_VERSION],
        }),
    }
}

/// The format version a file's header names, once its magic is checked.
pub fn version_of(bytes: &[u8], magic: [u8; 8]) -> Result<u32, HeaderError> {
    let Some((m, rest)) = bytes.split_first_chunk::<8>() else {
        return Err(HeaderError::Short);
    };
    if *m != magic {
        return Err(HeaderError::Magic);
    }
    let Some(v) = rest.first_chunk::<4>() else {
        return Err(HeaderError::Short);
    };
    Ok(u32::from_le_bytes(*v))
}
