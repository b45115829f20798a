//! File surgery on a snapshot folder: listing segments and snapshots,
//! reading frames, damaging bytes.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};

use crate::process::BIN;

/// Journal and snapshot file header: 8 magic bytes and a u32 version.
pub const HEADER_LEN: usize = 12;
/// Journal frame header: len u32, crc32 u32, seq u64.
pub const FRAME_HEADER: usize = 16;

pub fn numbered(dir: &Path, prefix: &str, suffix: &str) -> Vec<(u64, PathBuf)> {
    let mut found: Vec<(u64, PathBuf)> = fs::read_dir(dir)
        .expect("list the snapshot dir")
        .filter_map(|e| {
            let e = e.ok()?;
            let name = e.file_name().to_string_lossy().into_owned();
            let n = name
                .strip_prefix(prefix)?
                .strip_suffix(suffix)?
                .parse()
                .ok()?;
            Some((n, e.path()))
        })
        .collect();
    found.sort();
    found
}

pub fn segments(dir: &Path) -> Vec<PathBuf> {
    numbered(dir, "journal-", ".log")
        .into_iter()
        .map(|(_, p)| p)
        .collect()
}

pub fn snapshots(dir: &Path) -> Vec<PathBuf> {
    numbered(dir, "snapshot-", ".bin")
        .into_iter()
        .map(|(_, p)| p)
        .collect()
}

pub fn newest_segment(dir: &Path) -> PathBuf {
    segments(dir).pop().expect("a journal segment")
}

pub fn newest_snapshot(dir: &Path) -> PathBuf {
    snapshots(dir).pop().expect("a snapshot")
}

/// The frames of a journal segment: (offset, body length), checked to fill
/// the file exactly.
pub fn frames(path: &Path) -> Vec<(usize, usize)> {
    let bytes = fs::read(path).expect("read segment");
    assert_eq!(&bytes[..8], b"GHJOURNL", "{} header", path.display());
    let mut at = HEADER_LEN;
    let mut out = Vec::new();
    while at < bytes.len() {
        let len = u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
        out.push((at, len));
        at += FRAME_HEADER + len;
    }
    assert_eq!(at, bytes.len(), "{} ends inside a frame", path.display());
    out
}

/// The segment that holds the most frames (the one writes went to).
pub fn busiest_segment(dir: &Path) -> (PathBuf, Vec<(usize, usize)>) {
    segments(dir)
        .into_iter()
        .map(|p| {
            let f = frames(&p);
            (p, f)
        })
        .max_by_key(|(_, f)| f.len())
        .expect("a segment")
}

pub fn flip_byte(path: &Path, offset: usize) {
    let mut bytes = fs::read(path).expect("read");
    assert!(offset < bytes.len(), "offset {offset} past the end");
    bytes[offset] ^= 0xFF;
    fs::write(path, bytes).expect("write");
}

pub fn append_bytes(path: &Path, extra: &[u8]) {
    let mut bytes = fs::read(path).expect("read");
    bytes.extend_from_slice(extra);
    fs::write(path, bytes).expect("write");
}

pub fn truncate(path: &Path, len: usize) {
    let file = fs::OpenOptions::new()
        .write(true)
        .open(path)
        .expect("open for truncation");
    file.set_len(len as u64).expect("truncate");
}

/// The lock file every server writes its pid into: not part of the state.
pub const LOCK_FILE: &str = "gatehouse.lock";

/// Every file of a folder and its bytes, but the lock file.
pub fn folder_contents(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fs::read_dir(dir)
        .expect("list")
        .map(|e| {
            let e = e.expect("entry");
            (
                e.file_name().to_string_lossy().into_owned(),
                fs::read(e.path()).expect("read"),
            )
        })
        .filter(|(name, _)| name != LOCK_FILE)
        .collect()
}

pub fn file_name(path: &Path) -> String {
    path.file_name()
        .expect("file name")
        .to_string_lossy()
        .into_owned()
}

/// `gatehouse snapshot inspect FILE`: exit status, stdout, stderr.
pub fn inspect(file: &Path) -> (ExitStatus, String, String) {
    let out = Command::new(BIN)
        .args(["snapshot", "inspect"])
        .arg(file)
        .stdin(Stdio::null())
        .output()
        .expect("run gatehouse snapshot inspect");
    (
        out.status,
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
