//! Reading a journal segment back at start: its frames, and where a torn
//! last frame begins (see `docs/DESIGN.md` on torn tails).

use std::fs;
use std::io;
use std::path::Path;

use super::codec::{self, CodecError, HeaderError, HEADER_LEN, JOURNAL_MAGIC};
use super::journal::{FRAME_HEADER, MAX_RECORD};
use super::{Record, Seq};

/// Why a journal segment cannot be read at start.
#[derive(Debug, thiserror::Error)]
pub enum SegmentError {
    #[error("cannot read: {0}")]
    Read(#[from] io::Error),
    #[error(transparent)]
    Header(#[from] HeaderError),
    #[error(
        "the record at byte {at} is damaged (bad length or checksum) and a valid record \
         follows it at byte {next}"
    )]
    Damaged { at: usize, next: usize },
    #[error("record at byte {at} does not decode: {source}")]
    Undecodable { at: usize, source: CodecError },
}

/// What reading one segment found.
#[derive(Debug)]
pub struct SegmentRead {
    pub records: Vec<(Seq, Record)>,
    /// Where a torn last frame starts (a crash mid-append), if there is one.
    pub torn_at: Option<u64>,
}

/// Reads a segment whose first record has a sequence of at least
/// `first_seq`. A torn last frame is reported in `torn_at`; any other damage
/// is an error naming the offset.
///
/// A frame that is cut short or fails its checksum is a torn tail only if no
/// valid frame follows it: a crash leaves a prefix of what was being
/// written, never good records after bad bytes. Damage to a frame's length
/// looks like a cut-short frame, and a damaged block can cover many frames,
/// so before calling anything torn the rest of the file is searched for any
/// whole frame with a good checksum and a sequence that could follow.
pub fn read_segment(path: &Path, first_seq: Seq) -> Result<SegmentRead, SegmentError> {
    let bytes = fs::read(path)?;
    if bytes.len() < HEADER_LEN {
        // Created but its header never fully reached the disk.
        return Ok(SegmentRead {
            records: Vec::new(),
            torn_at: Some(0),
        });
    }
    codec::check_header(&bytes, JOURNAL_MAGIC)?;
    let mut records: Vec<(Seq, Record)> = Vec::new();
    let mut at = HEADER_LEN;
    while at < bytes.len() {
        let Some((seq, body, end)) = frame_at(&bytes, at) else {
            let after = records
                .last()
                .map_or(first_seq.saturating_sub(1), |(s, _)| *s);
            if let Some(next) = valid_frame_after(&bytes, at, after) {
                return Err(SegmentError::Damaged { at, next });
            }
            return Ok(SegmentRead {
                records,
                torn_at: Some(at as u64),
            });
        };
        let record = codec::decode::<Record>(body)
            .map_err(|source| SegmentError::Undecodable { at, source })?;
        records.push((seq, record));
        at = end;
    }
    Ok(SegmentRead {
        records,
        torn_at: None,
    })
}

fn read_u32(bytes: &[u8], at: usize) -> Option<u32> {
    let b: [u8; 4] = bytes.get(at..at.checked_add(4)?)?.try_into().ok()?;
    Some(u32::from_le_bytes(b))
}

fn read_u64(bytes: &[u8], at: usize) -> Option<u64> {
    let b: [u8; 8] = bytes.get(at..at.checked_add(8)?)?.try_into().ok()?;
    Some(u64::from_le_bytes(b))
}

/// The frame starting at `at` if it is whole and its checksum holds: its
/// sequence, body and where the next frame starts.
pub(crate) fn frame_at(bytes: &[u8], at: usize) -> Option<(Seq, &[u8], usize)> {
    let len = read_u32(bytes, at)? as usize;
    let crc = read_u32(bytes, at + 4)?;
    if len > MAX_RECORD {
        return None;
    }
    let end = at.checked_add(FRAME_HEADER)?.checked_add(len)?;
    let payload = bytes.get(at + 8..end)?;
    if crc32fast::hash(payload) != crc {
        return None;
    }
    let seq = read_u64(bytes, at + 8)?;
    Some((seq, payload.get(8..)?, end))
}

/// Where a valid frame starts after the bad one at `bad`, if one does: a
/// whole frame with a good checksum whose sequence is above `after` (the
/// last good one) and no further above it than the frames the rest of the
/// file could hold. The sequence test is cheap and rules out almost every
/// offset, so the checksum is computed rarely.
pub(crate) fn valid_frame_after(bytes: &[u8], bad: usize, after: Seq) -> Option<usize> {
    let rest = bytes.len().saturating_sub(bad) as u64;
    let highest = after.saturating_add(rest / FRAME_HEADER as u64 + 1);
    (bad + 1..bytes.len().saturating_sub(FRAME_HEADER - 1)).find(|&start| {
        read_u64(bytes, start + 8).is_some_and(|seq| seq > after && seq <= highest)
            && frame_at(bytes, start).is_some()
    })
}
