//! The audit log: JSON lines in `DATA_DIR/audit/`, hash-chained, written
//! (and, by default, synced) before the response leaves, with signed
//! digests of the chain.
//!
//! Each line is one event with two fields of ours: `trentSeq` (1, 2, …) and
//! `trentPrev`, the SHA-256 (hex) of the previous line's bytes (64 zeros for
//! the first). Files are `audit-NNNNNN.jsonl`, a new one when the current
//! passes the size limit. One OS thread of its own owns the files: it takes
//! whatever events arrived since its last batch, chains them, writes them
//! and syncs the file once, then publishes the batch's last ticket and wakes
//! every request waiting on it with one call (group commit). With
//! [`Durability::Interval`] it writes each batch before waking its waiters
//! but syncs at most once per interval. `digests.jsonl` holds, every few
//! seconds while there are new events, the sequence number and hash of the
//! chain head signed with the server's Ed25519 key (`public-key` holds its
//! public half, hex). `trent audit verify` checks all of it without the
//! root key.

use std::collections::VecDeque;
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::Value;
use trent_crypto::audit::{sha256, AuditSigner};

/// A new file once the current one is larger than this.
pub const DEFAULT_SEGMENT_BYTES: u64 = 64 * 1024 * 1024;
/// A digest at most this long after the first event it does not cover.
pub const DIGEST_INTERVAL: Duration = Duration::from_secs(5);
/// The chain's starting point.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";
/// Failed batches remembered for the requests still to learn of them; a
/// request older than all of them is told its event may be lost.
const REMEMBERED_FAILURES: usize = 1024;

/// Why an event could not be recorded.
#[derive(Debug, Clone, thiserror::Error)]
#[error("audit log unavailable: {0}")]
pub struct AuditError(String);

impl AuditError {
    /// An event that could not be encoded.
    pub fn encoding(error: &serde_json::Error) -> Self {
        Self(format!("encoding an event: {error}"))
    }
}

/// When an event counts as recorded, and so when its request may answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// Written and synced to the disk (the default): a power loss loses
    /// nothing acknowledged.
    Always,
    /// Written to the file (so it survives the process being killed), and
    /// synced at most this long after: a power loss or kernel crash can
    /// lose the events of that window.
    Interval(Duration),
}

impl Durability {
    /// `always`, or `interval` (in the words of `--audit-sync`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Always => "always",
            Self::Interval(_) => "interval",
        }
    }
}

/// How a log is opened.
pub struct Options {
    /// A new file once the current one is larger than this.
    pub segment_bytes: u64,
    /// When an event counts as recorded.
    pub durability: Durability,
    /// Called on the writer thread after each sync (the caller's metrics
    /// count syncs with it) with how long the oldest event it covered had
    /// been in the file unsynced: with [`Durability::Interval`], the age of
    /// what a power loss just before would have lost (about the interval,
    /// more when the disk is slower than the interval); with
    /// [`Durability::Always`], the batch's write and sync, before any of
    /// its requests answered.
    pub on_sync: Box<dyn Fn(Duration) + Send>,
}

impl Options {
    /// Synced before each answer, [`DEFAULT_SEGMENT_BYTES`] per file.
    pub fn new() -> Self {
        Self {
            segment_bytes: DEFAULT_SEGMENT_BYTES,
            durability: Durability::Always,
            on_sync: Box::new(|_| {}),
        }
    }
}

impl Default for Options {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for Options {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Options")
            .field("segment_bytes", &self.segment_bytes)
            .field("durability", &self.durability)
            .finish_non_exhaustive()
    }
}

/// The handle requests append through. Clones share one writer thread,
/// which stops once the last clone is dropped.
#[derive(Debug, Clone)]
pub struct AuditLog {
    handle: Arc<Handle>,
}

/// Owned by the clones of an [`AuditLog`]; its drop stops the writer.
#[derive(Debug)]
struct Handle {
    shared: Arc<Shared>,
    dir: PathBuf,
    durability: Durability,
}

impl Drop for Handle {
    fn drop(&mut self) {
        self.shared.lock_queue().closed = true;
        self.shared.writer_wake.notify_one();
    }
}

/// What the requests and the writer thread share.
struct Shared {
    queue: Mutex<Queue>,
    /// Signalled when the writer, idle, has work.
    writer_wake: Condvar,
    /// Every ticket up to this one has been through the writer (written and
    /// synced, or failed: see `failures`).
    done: AtomicU64,
    /// Woken, all at once, after each batch.
    batch_done: tokio::sync::Notify,
    /// Whether `failures` holds anything (read without its lock).
    any_failure: AtomicBool,
    failures: Mutex<Failures>,
    /// The writer thread has stopped (for good).
    stopped: AtomicBool,
    /// Batches synced since the log was opened.
    syncs: AtomicU64,
    /// The chain head and its file: the writer thread's in
    /// [`Durability::Always`], the requests' in turn in
    /// [`Durability::Interval`].
    writer: Mutex<Writer>,
    /// Requests write their own events ([`Durability::Interval`]).
    requests_write: bool,
    /// Interval mode: a request wrote to a synced file (the thread's cue
    /// to sync an interval later).
    dirtied: AtomicBool,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl Shared {
    fn lock_queue(&self) -> MutexGuard<'_, Queue> {
        // The queue is a Vec and counters, consistent after any panic.
        self.queue
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn lock_failures(&self) -> MutexGuard<'_, Failures> {
        self.failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Called by the writer after each batch: `last` and every ticket
    /// before it are done, those from `first` failed with `error` if given.
    fn finish(&self, first: u64, last: u64, error: Option<AuditError>) {
        if let Some(error) = error {
            let mut failures = self.lock_failures();
            if failures.batches.len() == REMEMBERED_FAILURES {
                if let Some((_, forgotten, _)) = failures.batches.pop_front() {
                    failures.forgotten_through = forgotten;
                }
            }
            failures.batches.push_back((first, last, error));
            self.any_failure.store(true, Ordering::Release);
        }
        self.done.store(last, Ordering::Release);
        self.batch_done.notify_waiters();
    }

    /// The outcome of `ticket`, once done.
    fn outcome(&self, ticket: u64) -> Result<(), AuditError> {
        if !self.any_failure.load(Ordering::Acquire) {
            return Ok(());
        }
        let failures = self.lock_failures();
        if let Some((_, _, error)) = failures
            .batches
            .iter()
            .find(|(first, last, _)| (*first..=*last).contains(&ticket))
        {
            return Err(error.clone());
        }
        if ticket <= failures.forgotten_through {
            // Too old to tell: assume the worst (fail closed).
            return Err(AuditError(
                "the audit writer failed repeatedly; this event may not be recorded".into(),
            ));
        }
        Ok(())
    }
}

/// Events waiting for the writer, in ticket order.
#[derive(Default)]
struct Queue {
    /// Each serialized by its request's task, starting with its `{` (the
    /// writer puts the chain fields first).
    events: Vec<Vec<u8>>,
    /// Tickets handed out: the last event in `events` has this one.
    tickets: u64,
    /// The writer is waiting on `writer_wake`.
    writer_idle: bool,
    /// Asked to write a digest now and cut the segment (at shutdown).
    flushes: Vec<tokio::sync::oneshot::Sender<()>>,
    /// The last handle is gone: write what is queued, then stop.
    closed: bool,
}

/// Failed batches, as ticket ranges.
#[derive(Default)]
struct Failures {
    batches: VecDeque<(u64, u64, AuditError)>,
    /// Tickets up to this one may have failed without being remembered.
    forgotten_through: u64,
}

/// The chain's head and the file it is written to.
struct Writer {
    segment: Segment,
    seq: u64,
    head: [u8; 64],
    /// Room for a batch's lines, reused.
    buffer: Vec<u8>,
    /// Interval mode: written since the last sync began.
    unsynced: bool,
    /// Interval mode: when the first of those writes was made.
    unsynced_since: Option<Instant>,
    /// Interval mode: the last background sync failed; batches fail until
    /// one succeeds.
    sync_failed: Option<AuditError>,
}

/// What the writer thread keeps: digests, syncs, and the signing key.
struct Chain {
    dir: PathBuf,
    shared: Arc<Shared>,
    /// Called after each sync.
    on_sync: Box<dyn Fn(Duration) + Send>,
    durability: Durability,
    /// The chain's `seq` when the log was opened.
    first_seq: u64,
    /// The last sequence number known synced, and its line's hash.
    synced: (u64, [u8; 64]),
    signer: AuditSigner,
    covered: u64,
    /// When `synced` first went past `covered`.
    uncovered_since: Option<Instant>,
    /// Interval mode: when the current unsynced writes began.
    unsynced_since: Option<Instant>,
    /// Interval mode: when a slow sync was last warned of.
    slow_sync_said: Option<Instant>,
}

/// The file being written.
struct Segment {
    dir: PathBuf,
    segment_bytes: u64,
    /// Whether new files are to be written directly where possible.
    try_direct: bool,
    file: SegmentFile,
    file_index: u32,
    file_len: u64,
    /// A direct file's last, partly used block (`file_len % BLOCK` bytes),
    /// written again with the next batch.
    tail: Vec<u8>,
    /// Room for a direct write, reused from batch to batch.
    scratch: Vec<u8>,
    /// The next file, being prepared once this one is half full.
    next: Option<std::thread::JoinHandle<Result<SegmentFile, AuditError>>>,
}

fn segment_name(index: u32) -> String {
    format!("audit-{index:06}.jsonl")
}

/// The audit files of `dir`, in order.
pub fn segments(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| {
            path.file_name()
                .and_then(|name| name.to_str())
                .is_some_and(|name| name.starts_with("audit-") && name.ends_with(".jsonl"))
        })
        .collect();
    files.sort();
    Ok(files)
}

fn io(context: &str, error: std::io::Error) -> AuditError {
    AuditError(format!("{context}: {error}"))
}

fn stopped() -> AuditError {
    AuditError("the audit writer stopped".into())
}

impl AuditLog {
    /// Opens (or starts) the log in `dir`, synced before each answer,
    /// recovering the chain head from its last line; a last line cut short
    /// by a crash (never acknowledged) is dropped.
    pub fn open(dir: &Path, signer: AuditSigner, segment_bytes: u64) -> Result<Self, AuditError> {
        Self::open_with(
            dir,
            signer,
            Options {
                segment_bytes,
                ..Options::new()
            },
        )
    }

    /// [`AuditLog::open`] with every setting given. The writer is an OS
    /// thread of its own: no runtime worker waits on the disk.
    pub fn open_with(
        dir: &Path,
        signer: AuditSigner,
        options: Options,
    ) -> Result<Self, AuditError> {
        Self::start(dir, signer, options, true)
    }

    /// [`AuditLog::open_with`], with direct writes (`O_DIRECT`) tried where
    /// possible (`try_direct`) or not.
    fn start(
        dir: &Path,
        signer: AuditSigner,
        options: Options,
        try_direct: bool,
    ) -> Result<Self, AuditError> {
        let Options {
            segment_bytes,
            durability,
            on_sync,
        } = options;
        // Direct writes wait for the device; without a sync per batch the
        // page cache is the cheaper way to the file.
        let try_direct = try_direct && durability == Durability::Always;
        fs::create_dir_all(dir).map_err(|e| io("creating the audit folder", e))?;
        fs::write(
            dir.join("public-key"),
            hex::encode(signer.public_key()) + "\n",
        )
        .map_err(|e| io("writing the audit public key", e))?;
        let existing = segments(dir).map_err(|e| io("listing the audit folder", e))?;
        let (mut seq, mut head, mut file_index) = (0, GENESIS.to_owned(), 1);
        if let Some(last) = existing.last() {
            file_index = last
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| {
                    n.strip_prefix("audit-")?
                        .strip_suffix(".jsonl")?
                        .parse()
                        .ok()
                })
                .unwrap_or(1);
            // The chain head is the last complete line of the newest file
            // that has one.
            for path in existing.iter().rev() {
                if let Some((last_seq, last_hash)) = recover(path)? {
                    seq = last_seq;
                    head = last_hash;
                    break;
                }
            }
        }
        let head: [u8; 64] = head
            .as_bytes()
            .try_into()
            .map_err(|_| AuditError("the chain head is not a SHA-256 in hex".into()))?;
        // Each start writes to a new segment; the old ones were cut to
        // their used length by `recover`.
        if !existing.is_empty() {
            file_index += 1;
        }
        let segment = Segment {
            dir: dir.to_owned(),
            segment_bytes,
            file: preallocated(dir, file_index, segment_bytes, try_direct)
                .map_err(|e| io("starting an audit file", e))?,
            try_direct,
            file_index,
            file_len: 0,
            tail: Vec::new(),
            scratch: Vec::new(),
            next: None,
        };
        let shared = Arc::new(Shared {
            queue: Mutex::new(Queue::default()),
            writer_wake: Condvar::new(),
            done: AtomicU64::new(0),
            batch_done: tokio::sync::Notify::new(),
            any_failure: AtomicBool::new(false),
            failures: Mutex::new(Failures::default()),
            stopped: AtomicBool::new(false),
            syncs: AtomicU64::new(0),
            writer: Mutex::new(Writer {
                segment,
                seq,
                head,
                buffer: Vec::new(),
                unsynced: false,
                unsynced_since: None,
                sync_failed: None,
            }),
            requests_write: durability != Durability::Always,
            dirtied: AtomicBool::new(false),
        });
        let chain = Chain {
            dir: dir.to_owned(),
            shared: shared.clone(),
            on_sync,
            durability,
            first_seq: seq,
            synced: (seq, head),
            signer,
            covered: seq,
            uncovered_since: None,
            unsynced_since: None,
            slow_sync_said: None,
        };
        std::thread::Builder::new()
            .name("trent-audit".into())
            .spawn(move || chain.run())
            .map_err(|e| io("starting the audit writer", e))?;
        Ok(Self {
            handle: Arc::new(Handle {
                shared,
                dir: dir.to_owned(),
                durability,
            }),
        })
    }

    /// The folder of the log.
    pub fn dir(&self) -> &Path {
        &self.handle.dir
    }

    /// When an event counts as recorded.
    pub fn durability(&self) -> Durability {
        self.handle.durability
    }

    /// How many batches have been synced since the log was opened (events
    /// per sync is the group commit's batch size).
    pub fn syncs(&self) -> u64 {
        self.handle.shared.syncs.load(Ordering::Relaxed)
    }

    /// Records `event`, one JSON object on one line (serialized by the
    /// caller, so the writer only chains, writes and syncs); returns once it
    /// is recorded as [`Durability`] says.
    pub async fn append(&self, event: Vec<u8>) -> Result<(), AuditError> {
        if event.first() != Some(&b'{') || event.contains(&b'\n') {
            return Err(AuditError(
                "an event must be one JSON object on one line".into(),
            ));
        }
        let shared = &self.handle.shared;
        let ticket = {
            let mut queue = shared.lock_queue();
            queue.events.push(event);
            queue.tickets += 1;
            if !shared.requests_write && std::mem::take(&mut queue.writer_idle) {
                shared.writer_wake.notify_one();
            }
            queue.tickets
        };
        if shared.requests_write {
            shared.lead();
        }
        loop {
            let batch_done = shared.batch_done.notified();
            let mut batch_done = std::pin::pin!(batch_done);
            // Registered before the check, so a batch finishing in between
            // still wakes this request.
            batch_done.as_mut().enable();
            if shared.done.load(Ordering::Acquire) >= ticket {
                return shared.outcome(ticket);
            }
            if shared.stopped.load(Ordering::Acquire) {
                return Err(stopped());
            }
            batch_done.await;
        }
    }

    /// Syncs, writes a digest of everything written so far and cuts the
    /// current segment to its used length (at shutdown).
    pub async fn flush(&self) {
        let (done, wait) = tokio::sync::oneshot::channel();
        if self.handle.shared.stopped.load(Ordering::Acquire) {
            return;
        }
        {
            let mut queue = self.handle.shared.lock_queue();
            queue.flushes.push(done);
            if std::mem::take(&mut queue.writer_idle) {
                self.handle.shared.writer_wake.notify_one();
            }
        }
        let _ = tokio::time::timeout(Duration::from_secs(10), wait).await;
    }
}

/// The unit of direct (unbuffered) writes: offsets, lengths and buffer
/// addresses are multiples of it. 4096 covers the logical block size of
/// the devices and file systems Trent runs on.
const BLOCK: usize = 4096;

/// An audit file, open for writing.
struct SegmentFile {
    file: File,
    /// Written with `O_DIRECT`, past the page cache, in whole blocks.
    direct: bool,
}

/// A new segment, its whole size written with zeros and synced first, so
/// that each batch's data sync writes the batch and nothing else: no size
/// change, no block allocation, no extent conversion. (Measured against
/// `fallocate`, whose blocks are allocated but unwritten: its syncs took
/// ~60% longer at the batch sizes a loaded server sees, which at a fixed
/// number of connections is throughput lost.) The zeros cost a write per
/// byte, so the next segment is prepared on a thread of its own while the
/// current one fills.
///
/// Where the file system allows it (Linux: ext4, xfs, btrfs, tmpfs since
/// 6.6, …), the file is written with `O_DIRECT`: a batch then goes from our
/// buffer to the disk without a copy into the page cache and its
/// writeback, which on the machine we measured halved the CPU of a 64 KiB
/// write-and-sync and cut its latency by a third. Elsewhere it is written
/// through the page cache.
fn preallocated(
    dir: &Path,
    index: u32,
    segment_bytes: u64,
    try_direct: bool,
) -> std::io::Result<SegmentFile> {
    let path = dir.join(segment_name(index));
    #[cfg(not(target_os = "linux"))]
    let _ = try_direct;
    #[cfg(target_os = "linux")]
    if try_direct {
        use std::os::unix::fs::OpenOptionsExt as _;
        let opened = OpenOptions::new()
            .create_new(true)
            .read(true)
            .write(true)
            .custom_flags(libc::O_DIRECT)
            .open(&path);
        match opened {
            Ok(file) => match zero_fill(dir, &path, file, segment_bytes) {
                Ok(file) => return Ok(SegmentFile { file, direct: true }),
                // Direct writes refused (alignment): made again, buffered.
                Err(error) if error.raw_os_error() == Some(libc::EINVAL) => {}
                Err(error) => return Err(error),
            },
            // O_DIRECT not supported by this file system (tmpfs before
            // Linux 6.6, say).
            Err(error) if error.raw_os_error() == Some(libc::EINVAL) => {}
            Err(error) => return Err(error),
        }
    }
    let file = OpenOptions::new()
        .create_new(true)
        .read(true)
        .write(true)
        .open(&path)?;
    let file = zero_fill(dir, &path, file, segment_bytes)?;
    Ok(SegmentFile {
        file,
        direct: false,
    })
}

/// Writes `segment_bytes` of zeros (rounded up to whole blocks) to the new
/// file at `path` and syncs it and its folder; removes it on failure.
fn zero_fill(dir: &Path, path: &Path, file: File, segment_bytes: u64) -> std::io::Result<File> {
    use std::os::unix::fs::FileExt as _;
    const CHUNK: usize = 1024 * 1024;
    let total = segment_bytes.div_ceil(BLOCK as u64) * BLOCK as u64;
    let filled = (|| {
        let mut storage = Vec::new();
        let zeros = aligned(&mut storage, CHUNK)?;
        let mut at = 0;
        while at < total {
            let now = usize::try_from(total - at).unwrap_or(CHUNK).min(CHUNK);
            file.write_all_at(&zeros[..now], at)?;
            at += now as u64;
        }
        file.sync_all()
    })();
    if let Err(error) = filled {
        // The file never held an event: leave no half-made segment behind.
        drop(file);
        let _ = fs::remove_file(path);
        return Err(error);
    }
    if let Ok(dir) = File::open(dir) {
        let _ = dir.sync_all();
    }
    Ok(file)
}

/// A zeroed slice of `len` bytes inside `storage` whose address is a
/// multiple of [`BLOCK`], as direct writes need (safe code: the slice is
/// cut at the right offset of a slightly larger buffer).
fn aligned(storage: &mut Vec<u8>, len: usize) -> std::io::Result<&mut [u8]> {
    storage.clear();
    storage.resize(len + BLOCK, 0);
    let offset = storage.as_ptr().align_offset(BLOCK);
    storage
        .get_mut(offset..offset + len)
        .ok_or_else(|| std::io::Error::other("no aligned buffer"))
}

/// The part of an audit file that holds lines: up to the zeros of its
/// preallocated tail.
pub fn used(bytes: &[u8]) -> &[u8] {
    let end = bytes.iter().position(|b| *b == 0).unwrap_or(bytes.len());
    &bytes[..end]
}

/// The last complete line's sequence number and hash; a trailing partial
/// line (never acknowledged) and the unused preallocated tail are cut off.
fn recover(path: &Path) -> Result<Option<(u64, String)>, AuditError> {
    let bytes = fs::read(path).map_err(|e| io("reading the audit log", e))?;
    let complete = used(&bytes)
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |at| at + 1);
    if complete < used(&bytes).len() {
        tracing::warn!(path = %path.display(), "dropped an unfinished audit line (never acknowledged)");
    }
    if complete < bytes.len() {
        let file = OpenOptions::new()
            .write(true)
            .open(path)
            .map_err(|e| io("repairing the audit log", e))?;
        file.set_len(complete as u64)
            .and_then(|()| file.sync_all())
            .map_err(|e| io("repairing the audit log", e))?;
    }
    let Some(line) = bytes[..complete]
        .split(|b| *b == b'\n')
        .rfind(|line| !line.is_empty())
    else {
        return Ok(None);
    };
    let value: Value = serde_json::from_slice(line)
        .map_err(|_| AuditError("the last audit line is not JSON".into()))?;
    let seq = value
        .get("trentSeq")
        .and_then(Value::as_u64)
        .ok_or_else(|| AuditError("the last audit line has no trentSeq".into()))?;
    Ok(Some((seq, hex::encode(sha256(line)))))
}

impl Writer {
    /// Chains `events` into lines and writes them as one batch, syncing it
    /// if `sync`; the chain only advances if the whole batch reached the
    /// file.
    fn write(&mut self, events: &[Vec<u8>], sync: bool) -> Result<(), AuditError> {
        if let Some(error) = &self.sync_failed {
            // Interval mode after a failed background sync: what was
            // written may not be on the disk; nothing more is acknowledged
            // until a sync succeeds.
            return Err(error.clone());
        }
        let mut seq = self.seq;
        let mut head = self.head;
        let buffer = &mut self.buffer;
        buffer.clear();
        buffer.reserve(events.iter().map(|e| e.len() + 120).sum());
        for event in events {
            seq += 1;
            // `{"trentSeq":N,"trentPrev":"…",` then the event without its `{`.
            let start = buffer.len();
            buffer.extend_from_slice(b"{\"trentSeq\":");
            write!(buffer, "{seq}").map_err(|e| io("encoding an audit line", e))?;
            buffer.extend_from_slice(b",\"trentPrev\":\"");
            buffer.extend_from_slice(&head);
            buffer.push(b'"');
            match event.get(1..) {
                Some(rest) if rest != b"}" => {
                    buffer.push(b',');
                    buffer.extend_from_slice(rest);
                }
                _ => buffer.push(b'}'),
            }
            hex::encode_to_slice(sha256(&buffer[start..]), &mut head)
                .map_err(|_| AuditError("encoding an audit hash".into()))?;
            buffer.push(b'\n');
        }
        self.segment.append(buffer, sync)?;
        self.seq = seq;
        self.head = head;
        if !sync {
            if !self.unsynced {
                self.unsynced_since = Some(Instant::now());
            }
            self.unsynced = true;
        }
        Ok(())
    }
}

impl Shared {
    fn lock_writer(&self) -> MutexGuard<'_, Writer> {
        // The writer's state only advances once a batch is written whole.
        self.writer
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Interval mode: writes what is queued, unless another request is
    /// already doing so (it then writes this request's event too). Runs on
    /// the request's own worker: a write to the page cache costs less than
    /// the two thread hops a writer thread would add.
    fn lead(&self) {
        loop {
            let mut writer = match self.writer.try_lock() {
                Ok(writer) => writer,
                Err(std::sync::TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
                Err(std::sync::TryLockError::WouldBlock) => return,
            };
            loop {
                let (events, last_ticket) = {
                    let mut queue = self.lock_queue();
                    if queue.events.is_empty() {
                        break;
                    }
                    (std::mem::take(&mut queue.events), queue.tickets)
                };
                let first_dirty = !writer.unsynced;
                let result = writer.write(&events, false);
                if first_dirty && result.is_ok() {
                    // The background sync is due an interval from now.
                    self.dirtied.store(true, Ordering::Release);
                    self.writer_wake.notify_one();
                }
                self.finish(
                    last_ticket + 1 - events.len() as u64,
                    last_ticket,
                    result.err(),
                );
            }
            drop(writer);
            // An event queued after the last look, by a request that found
            // the writer taken, is written by whoever looks next: this one.
            if self.lock_queue().events.is_empty() {
                return;
            }
        }
    }
}

impl Chain {
    /// The writer thread. With [`Durability::Always`], each turn takes
    /// every event queued since the last (a batch), chains, writes and
    /// syncs it once, then wakes all its waiters with one call; between
    /// batches it sleeps on a condition variable that a request signals
    /// only when it finds the thread idle. With [`Durability::Interval`]
    /// requests write their events themselves ([`Shared::lead`]) and this
    /// thread only syncs, an interval after the first unsynced write. In
    /// both, it signs digests and closes the log.
    fn run(mut self) {
        let shared = self.shared.clone();
        let always = self.durability == Durability::Always;
        let mut taken: Vec<Vec<u8>> = Vec::new();
        let mut reported_through = None;
        loop {
            let (last_ticket, flushes, closed) = {
                let mut queue = shared.lock_queue();
                loop {
                    if (always && !queue.events.is_empty())
                        || !queue.flushes.is_empty()
                        || queue.closed
                    {
                        break;
                    }
                    let wait = self.next_deadline();
                    if wait.is_some_and(|wait| wait.is_zero()) {
                        break;
                    }
                    queue.writer_idle = true;
                    queue = match wait {
                        Some(wait) => {
                            shared
                                .writer_wake
                                .wait_timeout(queue, wait)
                                .unwrap_or_else(std::sync::PoisonError::into_inner)
                                .0
                        }
                        None => shared
                            .writer_wake
                            .wait(queue)
                            .unwrap_or_else(std::sync::PoisonError::into_inner),
                    };
                    queue.writer_idle = false;
                }
                queue.writer_idle = false;
                if always {
                    std::mem::swap(&mut queue.events, &mut taken);
                }
                (
                    queue.tickets,
                    std::mem::take(&mut queue.flushes),
                    queue.closed,
                )
            };
            if !taken.is_empty() {
                let first_ticket = last_ticket + 1 - taken.len() as u64;
                let began = Instant::now();
                let mut writer = shared.lock_writer();
                let result = writer.write(&taken, true);
                if result.is_ok() {
                    self.synced = (writer.seq, writer.head);
                    self.uncovered_since.get_or_insert_with(Instant::now);
                }
                drop(writer);
                if result.is_ok() {
                    self.counted_sync(began.elapsed());
                }
                shared.finish(first_ticket, last_ticket, result.err());
                taken.clear();
            }
            let shutting_down = !flushes.is_empty() || closed;
            if shutting_down && !always {
                // What requests queued but no request wrote yet.
                shared.lead();
            }
            self.sync_if_due(shutting_down);
            self.digest_if_due(shutting_down);
            if shutting_down {
                shared.lock_writer().segment.close();
                // Once per shutdown (a flush, then the last handle's drop).
                if reported_through != Some(self.synced.0) {
                    reported_through = Some(self.synced.0);
                    // Events per sync is how well the group commit batches.
                    tracing::info!(
                        events = self.synced.0 - self.first_seq,
                        syncs = shared.syncs.load(Ordering::Relaxed),
                        "audit log closed"
                    );
                }
            }
            if !always {
                // A request that found the writer held by this thread (a
                // sync's snapshot, a close) left its event queued: write it.
                shared.lead();
            }
            for done in flushes {
                let _ = done.send(());
            }
            if closed {
                shared.stopped.store(true, Ordering::Release);
                shared.batch_done.notify_waiters();
                return;
            }
        }
    }

    /// How long the thread may sleep before periodic work (an interval
    /// sync, a digest) is due; `None`: until woken.
    fn next_deadline(&mut self) -> Option<Duration> {
        if self.unsynced_since.is_none() && self.shared.dirtied.swap(false, Ordering::AcqRel) {
            self.unsynced_since = Some(Instant::now());
        }
        let sync = match (self.durability, self.unsynced_since) {
            (Durability::Interval(every), Some(since)) => {
                Some(every.saturating_sub(since.elapsed()))
            }
            _ => None,
        };
        let digest = self
            .uncovered_since
            .map(|since| DIGEST_INTERVAL.saturating_sub(since.elapsed()));
        match (sync, digest) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    fn counted_sync(&mut self, unsynced_for: Duration) {
        self.shared.syncs.fetch_add(1, Ordering::Relaxed);
        (self.on_sync)(unsynced_for);
        if let Durability::Interval(every) = self.durability {
            // Said at most once a minute: the promise of `interval` is a
            // window of about the interval.
            let quiet = self
                .slow_sync_said
                .is_some_and(|said| said.elapsed() < Duration::from_secs(60));
            if unsynced_for > every.saturating_mul(2) && !quiet {
                self.slow_sync_said = Some(Instant::now());
                tracing::warn!(
                    unsynced_ms = unsynced_for.as_millis() as u64,
                    interval_ms = every.as_millis() as u64,
                    "audit events stayed unsynced longer than twice the sync interval: the disk syncs slower than events arrive, and a power loss would lose that much"
                );
            }
        }
    }

    /// Interval mode: syncs what requests wrote, an interval after the
    /// first write since the last sync (or `now`). The sync runs on a copy
    /// of the file's descriptor, without the writer's lock, so requests go
    /// on writing meanwhile; it covers the chain as it was when it began.
    fn sync_if_due(&mut self, now: bool) {
        let Durability::Interval(every) = self.durability else {
            return;
        };
        let (snapshot, first_write) = {
            let mut writer = self.shared.lock_writer();
            if !writer.unsynced {
                self.unsynced_since = None;
                return;
            }
            let since = *self.unsynced_since.get_or_insert_with(Instant::now);
            if !now && since.elapsed() < every {
                return;
            }
            writer.unsynced = false;
            let first_write = writer.unsynced_since.take().unwrap_or(since);
            let snapshot = writer
                .segment
                .file
                .file
                .try_clone()
                .map(|file| (file, writer.seq, writer.head));
            (snapshot, first_write)
        };
        let synced = snapshot.and_then(|(file, seq, head)| {
            file.sync_data()?;
            Ok((seq, head))
        });
        match synced {
            Ok((seq, head)) => {
                self.unsynced_since = None;
                if seq > self.synced.0 {
                    self.synced = (seq, head);
                    self.uncovered_since.get_or_insert_with(Instant::now);
                }
                self.shared.lock_writer().sync_failed = None;
                self.counted_sync(first_write.elapsed());
            }
            Err(error) => {
                tracing::error!(%error, "syncing the audit log failed; events are refused until a sync succeeds");
                let mut writer = self.shared.lock_writer();
                writer.sync_failed = Some(io("syncing the audit log", error));
                // Tried again an interval later; those writes are still
                // the oldest unsynced.
                writer.unsynced = true;
                writer.unsynced_since = Some(first_write);
                self.unsynced_since = Some(Instant::now());
            }
        }
    }

    /// Signs the synced chain head when events are uncovered and the
    /// interval has passed (or `now` is asked): a digest never covers
    /// events a power loss could take back.
    fn digest_if_due(&mut self, now: bool) {
        let Some(since) = self.uncovered_since else {
            return;
        };
        let (seq, head) = self.synced;
        if seq == self.covered || (!now && since.elapsed() < DIGEST_INTERVAL) {
            return;
        }
        #[allow(
            clippy::disallowed_methods,
            reason = "digests are dated with the wall clock"
        )]
        let time = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let head = String::from_utf8_lossy(&head).into_owned();
        let message = digest_message(seq, &head, time);
        let signature =
            base64::engine::general_purpose::STANDARD.encode(self.signer.sign(message.as_bytes()));
        let line = serde_json::json!({
            "seq": seq,
            "head": head,
            "time": time,
            "signature": signature,
        });
        let written = OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("digests.jsonl"))
            .and_then(|mut file| {
                file.write_all(format!("{line}\n").as_bytes())?;
                file.sync_data()
            });
        match written {
            Ok(()) => {
                self.covered = seq;
                self.uncovered_since = None;
            }
            Err(error) => {
                tracing::error!(%error, "writing an audit digest failed");
                // Tried again an interval later.
                self.uncovered_since = Some(Instant::now());
            }
        }
    }
}

impl Segment {
    /// Writes `buffer` after the lines already in the file and syncs it if
    /// asked, starting a new file first if this one is full.
    fn append(&mut self, buffer: &[u8], sync: bool) -> Result<(), AuditError> {
        if self.file_len > 0 && self.file_len + buffer.len() as u64 > self.segment_bytes {
            self.rotate()?;
        }
        let written = self.write_at_end(buffer).and_then(|()| {
            if sync {
                self.file.file.sync_data()
            } else {
                Ok(())
            }
        });
        if let Err(error) = written {
            // Leave no half-written batch behind for the next one to chain on.
            let _ = self.write_at_end(&vec![0u8; buffer.len()]);
            return Err(io("writing the audit log", error));
        }
        self.file_len += buffer.len() as u64;
        if self.file.direct {
            // The old tail and `buffer` end at `file_len`; keep what lies in
            // its block.
            let keep = usize::try_from(self.file_len % BLOCK as u64).unwrap_or(0);
            if let Some(end) = buffer.len().checked_sub(keep) {
                self.tail.clear();
                self.tail.extend_from_slice(&buffer[end..]);
            } else {
                self.tail.extend_from_slice(buffer);
            }
        }
        self.prepare_next();
        Ok(())
    }

    /// Writes `bytes` at the end of the used part, without syncing. A direct
    /// file is written in whole blocks: from the start of the partly used
    /// last block (its bytes written again, unchanged, so a torn write
    /// cannot change them) to the end of the block `bytes` ends in, padded
    /// with the zeros the preallocated file holds there anyway.
    fn write_at_end(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        use std::os::unix::fs::FileExt as _;
        if !self.file.direct {
            return self.file.file.write_all_at(bytes, self.file_len);
        }
        let start = self.file_len - self.tail.len() as u64;
        let len = (self.tail.len() + bytes.len()).div_ceil(BLOCK) * BLOCK;
        // Filled in place (no zeroing of what the copies overwrite): the
        // capacity reserved first means the buffer does not move, so the
        // block starting at `offset` stays aligned (checked all the same).
        let scratch = &mut self.scratch;
        scratch.clear();
        scratch.reserve(len + BLOCK);
        let offset = scratch.as_ptr().align_offset(BLOCK);
        scratch.resize(offset, 0);
        scratch.extend_from_slice(&self.tail);
        scratch.extend_from_slice(bytes);
        scratch.resize(offset + len, 0);
        let block = scratch.get(offset..).unwrap_or_default();
        if block.len() != len || block.as_ptr().align_offset(BLOCK) != 0 {
            return Err(std::io::Error::other("no aligned buffer"));
        }
        self.file.file.write_all_at(block, start)
    }

    /// Cuts the full segment to its used length and starts the next one.
    fn rotate(&mut self) -> Result<(), AuditError> {
        let index = self.file_index + 1;
        let path = self.dir.join(segment_name(index));
        let prepared = self
            .next
            .take()
            .and_then(|preparing| preparing.join().ok())
            .and_then(Result::ok)
            // Only if it is still the file at its path (the folder may have
            // been moved or replaced since): a new one otherwise.
            .filter(|prepared| same_file(&prepared.file, &path));
        let (next, index) = match prepared {
            Some(file) => (file, index),
            None => self.new_segment(index)?,
        };
        let _ = self
            .file
            .file
            .set_len(self.file_len)
            .and_then(|()| self.file.file.sync_all());
        self.file = next;
        self.file_index = index;
        self.file_len = 0;
        self.tail.clear();
        Ok(())
    }

    /// A new segment numbered `index` or, should a file hold that name
    /// (one prepared before the folder was moved back, say), the next free
    /// number: a segment without events is harmless, a reused one is not.
    fn new_segment(&self, mut index: u32) -> Result<(SegmentFile, u32), AuditError> {
        loop {
            match preallocated(&self.dir, index, self.segment_bytes, self.try_direct) {
                Ok(file) => return Ok((file, index)),
                Err(error)
                    if error.kind() == std::io::ErrorKind::AlreadyExists
                        && index < self.file_index.saturating_add(1000) =>
                {
                    index += 1;
                }
                Err(error) => return Err(io("starting an audit file", error)),
            }
        }
    }

    /// Starts preparing the next segment once this one is half full.
    fn prepare_next(&mut self) {
        if self.next.is_some() || self.file_len < self.segment_bytes / 2 {
            return;
        }
        let (dir, index, bytes, direct) = (
            self.dir.clone(),
            self.file_index + 1,
            self.segment_bytes,
            self.try_direct,
        );
        // Should the thread not start, the next segment is made at rotation.
        self.next = std::thread::Builder::new()
            .name("trent-audit-next".into())
            .spawn(move || {
                preallocated(&dir, index, bytes, direct)
                    .map_err(|e| io("preparing an audit file", e))
            })
            .ok();
    }

    /// At shutdown: cuts this segment to its used length and removes a
    /// prepared next one (it holds no event).
    fn close(&mut self) {
        let _ = self
            .file
            .file
            .set_len(self.file_len)
            .and_then(|()| self.file.file.sync_all());
        if let Some(Ok(prepared)) = self.next.take().and_then(|preparing| preparing.join().ok()) {
            let path = self.dir.join(segment_name(self.file_index + 1));
            if same_file(&prepared.file, &path) {
                let _ = fs::remove_file(path);
            }
        }
    }
}

/// Whether `file` is the file at `path`.
fn same_file(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt as _;
    match (file.metadata(), fs::metadata(path)) {
        (Ok(open), Ok(named)) => open.dev() == named.dev() && open.ino() == named.ino(),
        _ => false,
    }
}

/// What a digest signs.
pub fn digest_message(seq: u64, head: &str, time: u64) -> String {
    format!("trent-audit-digest-v1\n{seq}\n{head}\n{time}")
}

/// Reads the lines of an audit file (for verify and query), ignoring the
/// zeros of a segment's unused tail.
pub fn lines(path: &Path) -> std::io::Result<Vec<Vec<u8>>> {
    let bytes = fs::read(path)?;
    Ok(used(&bytes)
        .split(|b| *b == b'\n')
        .filter(|line| !line.is_empty())
        .map(<[u8]>::to_vec)
        .collect())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, reason = "test code")]

    use super::*;

    /// A runtime of two workers, as on the development VM.
    fn two_workers() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
    }

    fn signer() -> AuditSigner {
        AuditSigner::generate().unwrap().0
    }

    /// An event of exactly `size` bytes, numbered `n`.
    fn event(n: usize, size: usize) -> Vec<u8> {
        let head = format!("{{\"eventName\":\"Test\",\"n\":{n},\"pad\":\"");
        let pad = size.saturating_sub(head.len() + 2);
        format!("{head}{}\"}}", "x".repeat(pad)).into_bytes()
    }

    /// Appends events of awkward sizes (ending on, just before and just past
    /// block boundaries, and larger than a block), one at a time and then
    /// many at once, and checks the files hold exactly them, chained.
    fn files_hold_exactly_the_events(try_direct: bool, durability: Durability) {
        let runtime = two_workers();
        let dir = tempfile::tempdir().unwrap();
        let signer = signer();
        let options = Options {
            segment_bytes: 32 * 1024,
            durability,
            ..Options::new()
        };
        let log = AuditLog::start(dir.path(), signer, options, try_direct).unwrap();
        let mut sizes = vec![30, 4000, 100, 4096, 2, 5000, 300, 4095, 9000, 1, 4097];
        sizes.extend((0..300).map(|i| 40 + (i * 397) % 6000));
        let sent: Vec<Vec<u8>> = sizes
            .iter()
            .enumerate()
            .map(|(n, size)| event(n, *size))
            .collect();
        runtime.block_on(async {
            for event in &sent[..11] {
                log.append(event.clone()).await.unwrap();
            }
            // Eight at a time, so batches stay smaller than a segment.
            for wave in sent[11..].chunks(8) {
                let tasks: Vec<_> = wave
                    .iter()
                    .map(|event| {
                        let (log, event) = (log.clone(), event.clone());
                        tokio::spawn(async move { log.append(event).await })
                    })
                    .collect();
                for task in tasks {
                    task.await.unwrap().unwrap();
                }
            }
            log.flush().await;
        });

        let files = segments(dir.path()).unwrap();
        assert!(files.len() > 5, "{} files", files.len());
        let mut head = GENESIS.to_owned();
        let mut seen = Vec::new();
        for (i, path) in files.iter().enumerate() {
            let bytes = fs::read(path).unwrap();
            if i + 1 < files.len() {
                assert!(
                    !bytes.contains(&0),
                    "{} was not cut to size",
                    path.display()
                );
            }
            for line in lines(path).unwrap() {
                let value: Value = serde_json::from_slice(&line).unwrap();
                assert_eq!(value["trentSeq"], seen.len() + 1);
                assert_eq!(value["trentPrev"], head.as_str());
                head = hex::encode(sha256(&line));
                // The line is the event with the chain fields put first.
                let n = usize::try_from(value["n"].as_u64().unwrap()).unwrap();
                let body = &line[line.iter().position(|b| *b == b'"').unwrap()..];
                let prefix_len = body
                    .windows(b"\"eventName\"".len())
                    .position(|w| w == b"\"eventName\"")
                    .unwrap();
                assert_eq!(&body[prefix_len..], &sent[n][1..]);
                seen.push(n);
            }
        }
        seen.sort_unstable();
        assert_eq!(seen, (0..sent.len()).collect::<Vec<_>>());
    }

    #[test]
    fn direct_files_hold_exactly_the_events() {
        #[cfg(target_os = "linux")]
        {
            // The folder the tests run in takes direct writes (ext4, xfs,
            // btrfs and tmpfs since Linux 6.6 all do): the direct path is
            // the one under test here, not the fallback.
            let dir = tempfile::tempdir().unwrap();
            let prepared = preallocated(dir.path(), 1, 8192, true).unwrap();
            assert!(prepared.direct);
            // And the kernel really has the file open with O_DIRECT.
            use std::os::fd::AsRawFd as _;
            let fdinfo =
                fs::read_to_string(format!("/proc/self/fdinfo/{}", prepared.file.as_raw_fd()))
                    .unwrap();
            let flags = fdinfo
                .lines()
                .find_map(|line| line.strip_prefix("flags:"))
                .map(|octal| i32::from_str_radix(octal.trim(), 8).unwrap())
                .unwrap();
            assert_ne!(flags & libc::O_DIRECT, 0, "{fdinfo}");
        }
        files_hold_exactly_the_events(true, Durability::Always);
    }

    #[test]
    fn buffered_files_hold_exactly_the_events() {
        let dir = tempfile::tempdir().unwrap();
        assert!(!preallocated(dir.path(), 1, 8192, false).unwrap().direct);
        files_hold_exactly_the_events(false, Durability::Always);
    }

    #[test]
    fn interval_files_hold_exactly_the_events() {
        files_hold_exactly_the_events(true, Durability::Interval(Duration::from_millis(5)));
    }

    /// In interval mode an event is in the file when `append` returns, and
    /// syncs come at most about once per interval, however many events.
    #[test]
    fn interval_mode_writes_before_answering_and_syncs_once_per_interval() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let signer = signer();
        let reported = Arc::new(Mutex::new(Vec::new()));
        let options = Options {
            durability: Durability::Interval(Duration::from_millis(50)),
            on_sync: Box::new({
                let reported = reported.clone();
                move |unsynced_for| reported.lock().unwrap().push(unsynced_for)
            }),
            ..Options::new()
        };
        let log = AuditLog::open_with(dir.path(), signer, options).unwrap();
        assert_eq!(log.durability().name(), "interval");
        let started = Instant::now();
        runtime.block_on(async {
            for n in 0..300 {
                log.append(event(n, 200)).await.unwrap();
                // Already in the file (the page cache), before any sync.
                let files = segments(dir.path()).unwrap();
                let written = lines(files.last().unwrap()).unwrap();
                assert_eq!(written.len(), n + 1);
            }
        });
        let elapsed = started.elapsed();
        let allowed = elapsed.as_millis() / 50 + 2;
        assert!(
            u128::from(log.syncs()) <= allowed,
            "{} syncs in {elapsed:?}",
            log.syncs()
        );
        // And the background sync does come.
        std::thread::sleep(Duration::from_millis(200));
        assert!(log.syncs() >= 1);
        // Each sync reports how long its oldest event waited unsynced: an
        // interval at least (the sync is due an interval after the first
        // write), and not much more on this idle log.
        let reported = reported.lock().unwrap().clone();
        assert_eq!(reported.len() as u64, log.syncs());
        for unsynced_for in reported {
            assert!(
                unsynced_for >= Duration::from_millis(50) && unsynced_for < Duration::from_secs(5),
                "{unsynced_for:?}"
            );
        }
    }

    /// Many requests at once: each is acknowledged once its batch is
    /// synced, batches hold many events, and every event is in the file.
    #[test]
    fn concurrent_appends_share_syncs() {
        let runtime = two_workers();
        let dir = tempfile::tempdir().unwrap();
        let signer = signer();
        let log = AuditLog::open(dir.path(), signer, DEFAULT_SEGMENT_BYTES).unwrap();
        runtime.block_on(async {
            let tasks: Vec<_> = (0..64)
                .map(|task| {
                    let log = log.clone();
                    tokio::spawn(async move {
                        for n in 0..50 {
                            log.append(event(task * 1000 + n, 300)).await.unwrap();
                        }
                    })
                })
                .collect();
            for task in tasks {
                task.await.unwrap();
            }
        });
        let files = segments(dir.path()).unwrap();
        let written: usize = files.iter().map(|f| lines(f).unwrap().len()).sum();
        assert_eq!(written, 64 * 50);
        assert!(log.syncs() < 64 * 50 / 2, "{} syncs", log.syncs());
        // Dropping the last handle stops the writer, cutting the file.
        drop(log);
        std::thread::sleep(Duration::from_millis(200));
        let bytes = fs::read(files.last().unwrap()).unwrap();
        assert!(!bytes.contains(&0), "not cut to size at close");
    }

    /// Interval mode with one client: its event is written even when it
    /// arrives while the writer thread holds the writer (a sync's snapshot
    /// every millisecond here), with no later request to write it.
    #[test]
    fn a_lone_client_is_never_left_waiting_in_interval_mode() {
        let runtime = two_workers();
        let dir = tempfile::tempdir().unwrap();
        let options = Options {
            durability: Durability::Interval(Duration::from_millis(1)),
            ..Options::new()
        };
        let log = AuditLog::open_with(dir.path(), signer(), options).unwrap();
        runtime.block_on(async {
            for n in 0..3000 {
                tokio::time::timeout(Duration::from_secs(5), log.append(event(n, 100)))
                    .await
                    .unwrap_or_else(|_| panic!("event {n} never written"))
                    .unwrap();
            }
        });
        assert!(log.syncs() > 0);
    }
}
