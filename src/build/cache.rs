//! The build cache, `.calfeed-cache` in the output folder: what the last successful build
//! read and wrote, so that a build whose input, settings and outputs are as they were
//! loads and renders nothing, a build where only some publications changed renders only
//! those (and the index page), and in a publication that changed, each per-item output
//! (permalink, one-event file) whose key (`export::pages::key`: a hash of everything it
//! shows) and file are as the last build left them is passed on unrendered.
//!
//! It records the running calfeed (version, and the program file's size, times and inode), a hash of the
//! settings that change what is written (the load options: reference date, fallback date,
//! limits; not the thread count), a hash of each input file's bytes, and for each output
//! its size, modification and change times and inode (and a hash of its bytes when it was
//! written too recently for its times to show a later edit). A build still reads every
//! input file, hashes it, and looks at every output. The cache is data on disk, not
//! trusted: it carries a hash of itself, its paths must stay inside the output folder, and
//! anything that does not match (or cannot be read) means the full build.

mod record;

use std::fs;
use std::io;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

use self::record::{
    OutputRecord, Outputs, PublicationRecord, PublicationView, Record, RecordView, hash_file, hex,
};
use super::{Build, Summary, Written};
use crate::export::{self, Render, Reuse, Sink, Trimmed, files};
use crate::load;
use crate::model::Publication;
use crate::publish::{self, MANIFEST, Staging};

/// The cache's file name in the output folder. Like the manifest, it is calfeed's own
/// bookkeeping: not an output, never served.
pub const CACHE: &str = ".calfeed-cache";

/// One input file as this build read it.
struct Input {
    /// As the loader names it (the publication's `source`).
    shown: String,
    path: PathBuf,
    size: u64,
    hash: String,
}

/// What the last build recorded, compared with this build's input and the output folder.
pub(super) struct Cache {
    out_dir: PathBuf,
    /// `None`: this build is not cached (the input folder or a file could not be read, or
    /// the program could not be identified).
    inputs: Option<Vec<Input>>,
    settings: String,
    previous: Option<Record>,
    /// For each input, the previous build's record of it (its place in the record) when
    /// that can be used: the same file, the same bytes, every output it wrote still as it
    /// was.
    reusable: Vec<Option<usize>>,
    /// For each input not reusable whole, the previous build's per-item outputs of it.
    earlier: Vec<Earlier>,
}

/// The last build's per-item outputs of one input, for [`Passing`]: each output's path
/// hashed, and its fingerprint (its key and what shows its file is as that build left it,
/// hashed: `record::fingerprint_now`; its lowest bit says whether the file's bytes are part
/// of it), sorted. Not the record's strings, of which there are 300 000 at N = 100 000:
/// this is what the build holds while it loads and renders.
#[derive(Default)]
struct Earlier(Vec<(u128, u128)>);

impl Earlier {
    fn of(record: &PublicationRecord) -> Earlier {
        let mut all: Vec<(u128, u128)> = record
            .outputs
            .iter()
            .filter_map(|o| {
                let (fingerprint, hashed) = o.fingerprint()?;
                Some((
                    record::path_hash(o.path()),
                    fingerprint & !1 | u128::from(hashed),
                ))
            })
            .collect();
        all.sort_unstable_by_key(|e| e.0);
        Earlier(all)
    }

    /// The fingerprint of the output at `path` as recorded (without its lowest bit), and
    /// whether its bytes are part of it.
    fn get(&self, path: &str) -> Option<(u128, bool)> {
        let hash = record::path_hash(path);
        let at = self.0.binary_search_by_key(&hash, |e| e.0).ok()?;
        let fingerprint = self.0[at].1;
        Some((fingerprint & !1, fingerprint & 1 == 1))
    }
}

/// What the cache records of a loaded publication: the model itself can go before the
/// commit (at N = 100 000 it is most of the memory a build holds).
pub(super) struct Loaded {
    source: String,
    events: usize,
    articles: usize,
}

impl Loaded {
    pub(super) fn of(publications: &[Publication]) -> Vec<Loaded> {
        publications
            .iter()
            .map(|p| Loaded {
                source: p.source.clone(),
                events: p.events.len(),
                articles: p.articles.len(),
            })
            .collect()
    }
}

/// What [`Cache::render`] did, publication by publication.
pub(super) struct Rendered {
    /// What the budgets left out.
    pub trimmed: Vec<Vec<Trimmed>>,
    /// How many files each publication wrote.
    counts: Vec<usize>,
    /// The files written, each publication's as one string (see [`Rendered::note_paths`]).
    pub produced: Vec<String>,
    /// How many publications were passed on as the last build left them.
    pub reused: usize,
    /// The keys of each publication's per-item outputs.
    keys: Vec<KeyLog>,
    /// How many per-item outputs of the publications rendered were passed on.
    pub kept: usize,
}

/// The keys of one publication's per-item outputs, as they are found (from several
/// threads): each output's path hashed, and its key; sorted by path once all are found.
#[derive(Default)]
struct KeyLog(Vec<(u128, u128)>);

impl KeyLog {
    fn push(&mut self, path: &str, key: u128) {
        self.0.push((record::path_hash(path), key));
    }

    fn sort(mut self) -> KeyLog {
        self.0.sort_unstable_by_key(|e| e.0);
        self
    }
}

impl Cache {
    /// Reads and hashes every input file, and the record of the last build.
    pub(super) fn open(build: &Build) -> Cache {
        let out_dir = build.output.clone();
        let settings = settings(build);
        let inputs = program().and_then(|_| read_inputs(&build.input, build.load.max_input_bytes));
        let previous = inputs
            .as_ref()
            .and_then(|_| read_record(&out_dir))
            .filter(|r| Some(&r.calfeed) == program() && r.settings == settings);
        let reusable = match (&inputs, &previous) {
            (Some(inputs), Some(previous)) => inputs
                .iter()
                .map(|input| {
                    let at = previous
                        .publications
                        .iter()
                        .position(|p| p.input == input.shown)?;
                    let p = &previous.publications[at];
                    (p.input_size == input.size
                        && p.input_hash == input.hash
                        && p.outputs.iter().all(|o| o.still(&out_dir)))
                    .then_some(at)
                })
                .collect(),
            _ => Vec::new(),
        };
        let earlier = match (&inputs, &previous) {
            (Some(inputs), Some(previous)) => inputs
                .iter()
                .zip(&reusable)
                .map(|(input, whole)| {
                    let record = previous
                        .publications
                        .iter()
                        .find(|p| p.input == input.shown);
                    match record {
                        Some(record) if whole.is_none() => Earlier::of(record),
                        _ => Earlier::default(),
                    }
                })
                .collect(),
            _ => Vec::new(),
        };
        // A record that serves no publication whole is not held through the build (it is
        // about as large as the manifest).
        let previous = previous.filter(|_| reusable.iter().any(Option::is_some));
        Cache {
            out_dir,
            inputs,
            settings,
            previous,
            reusable,
            earlier,
        }
    }

    /// The outcome of a build that has nothing to do: the same input and settings as the
    /// last build, every output as it left them. `None` when there is something to do.
    pub(super) fn unchanged(&self, build: &Build) -> Option<Written> {
        // The guard compares with another calendar than the published one: it must run.
        if build.previous.is_some() {
            return None;
        }
        let previous = self.previous.as_ref()?;
        let inputs = self.inputs.as_ref()?;
        let whole_paths: Vec<&str> = previous.whole.iter().map(|o| o.path()).collect();
        let complete = previous.publications.len() == inputs.len()
            && !inputs.is_empty()
            && self.reusable.iter().enumerate().all(|(i, r)| *r == Some(i))
            && whole_paths == [files::INDEX, MANIFEST]
            && previous.whole.iter().all(|o| o.still(&self.out_dir));
        if !complete {
            return None;
        }
        // As a build would: clear what a killed build left behind.
        drop(Staging::new(&self.out_dir).ok()?);
        self.settle(previous);
        let mut unchanged: Vec<PathBuf> = previous
            .publications
            .iter()
            .flat_map(|p| &p.outputs)
            .map(|o| PathBuf::from(o.path()))
            .chain([PathBuf::from(files::INDEX)])
            .collect();
        unchanged.sort();
        Some(Written {
            summary: Summary {
                publications: previous.publications.len(),
                events: previous.publications.iter().map(|p| p.events).sum(),
                articles: previous.publications.iter().map(|p| p.articles).sum(),
            },
            trimmed: previous
                .publications
                .iter()
                .flat_map(|p| &p.trimmed)
                .cloned()
                .collect(),
            written: Vec::new(),
            unchanged,
            removed: Vec::new(),
            reused: previous.publications.len(),
            kept: 0,
            from_cache: true,
        })
    }

    /// Records again, without their hashes, the outputs that were written too close to
    /// the last build's record for their times to be trusted then and can be now, so that
    /// the next builds only look at their times. (They were just found as recorded.)
    fn settle(&self, previous: &Record) {
        let all = previous.publications.iter().flat_map(|p| &p.outputs);
        if !all.chain(&previous.whole).any(OutputRecord::hashed) {
            return;
        }
        let Some(now) = record::file_system_now(&self.out_dir) else {
            return;
        };
        let mut record = previous.clone();
        let mut settled = false;
        for output in record
            .publications
            .iter_mut()
            .flat_map(|p| &mut p.outputs)
            .chain(&mut record.whole)
        {
            settled |= output.settle(now);
        }
        if settled {
            write_record(&self.out_dir, &record);
        }
    }

    /// The last build's record of `publications[i]`, when its outputs can be used as
    /// they are.
    fn reusable(&self, publications: &[Publication], i: usize) -> Option<&PublicationRecord> {
        let inputs = self.inputs.as_ref()?;
        if inputs.len() != publications.len() || inputs[i].shown != publications[i].source {
            return None;
        }
        let at = (*self.reusable.get(i)?)?;
        self.previous.as_ref()?.publications.get(at)
    }

    /// Renders every file of the build into `staging`, as [`export::for_each_output`]
    /// does, except that a publication whose input and outputs are as the last build left
    /// them is not rendered: its files are passed on as they are; and in one that is
    /// rendered, each per-item output whose key and file are as the last build left them
    /// is passed on (see [`Passing`]).
    pub(super) fn render(
        &self,
        publications: &[Publication],
        staging: &Staging,
        threads: usize,
    ) -> io::Result<Rendered> {
        let sink: &dyn Sink = staging;
        let no_earlier = Earlier::default();
        let mut notes = Vec::new();
        let mut counts = Vec::new();
        let mut keys = Vec::new();
        let mut reused = 0;
        let mut kept = 0;
        for (i, publication) in publications.iter().enumerate() {
            let recording = Recording {
                sink,
                count: AtomicUsize::new(0),
            };
            if let Some(record) = self.reusable(publications, i) {
                let mut log = KeyLog::default();
                for output in &record.outputs {
                    // Found as recorded when the build started: staged unread, or
                    // should that fail, through the sink (which compares it).
                    if staging.keep(output.path()).is_ok() {
                        recording.count.fetch_add(1, Ordering::Relaxed);
                    } else {
                        let path = self.out_dir.join(output.path());
                        recording.file(output.path(), &mut |w| {
                            io::copy(&mut fs::File::open(&path)?, w).map(drop)
                        })?;
                    }
                    if let Some(key) = output.key() {
                        log.push(output.path(), key);
                    }
                }
                notes.push(record.trimmed.clone());
                keys.push(log.sort());
                reused += 1;
            } else {
                // The last build's per-item outputs of this input.
                let same_input = self.inputs.as_ref().is_some_and(|inputs| {
                    inputs.len() == publications.len() && inputs[i].shown == publication.source
                });
                let earlier = match self.earlier.get(i) {
                    Some(earlier) if same_input => earlier,
                    _ => &no_earlier,
                };
                let passing = Passing {
                    staging,
                    out_dir: &self.out_dir,
                    settings: xxh3(self.settings.as_bytes()),
                    earlier,
                    count: &recording.count,
                    kept: AtomicUsize::new(0),
                    keys: Mutex::new(KeyLog(Vec::with_capacity(
                        2 * publication.events.len() + publication.articles.len(),
                    ))),
                };
                notes.push(export::render_publication_reusing(
                    publication,
                    &recording,
                    threads,
                    &passing,
                )?);
                kept += passing.kept.into_inner();
                let log = passing.keys.into_inner().unwrap_or_else(|e| e.into_inner());
                keys.push(log.sort());
            }
            counts.push(recording.count.into_inner());
        }
        sink.file(files::INDEX, &mut |w| {
            w.write_all(export::html::index_page(publications).as_bytes())
        })?;
        Ok(Rendered {
            trimmed: notes,
            counts,
            produced: Vec::new(),
            reused,
            keys,
            kept,
        })
    }

    /// Records a successful build. Nothing is recorded (and the old record goes) when an
    /// input changed while the build read it, or an output cannot be looked at.
    pub(super) fn save(&self, publications: &[Loaded], rendered: &Rendered) {
        write_bytes(&self.out_dir, self.record(publications, rendered));
    }

    /// The record of this build, written out (see [`serialize`]), or `None`.
    fn record(&self, publications: &[Loaded], rendered: &Rendered) -> Option<Vec<u8>> {
        let inputs = self.inputs.as_ref()?;
        if inputs.len() != publications.len() || rendered.produced.len() != publications.len() {
            return None;
        }
        let now = record::file_system_now(&self.out_dir)?;
        let keys = &rendered.keys;
        if keys.len() != publications.len() {
            return None;
        }
        let outputs = |paths, keys| Outputs {
            out_dir: &self.out_dir,
            now,
            paths,
            keys,
        };
        let mut records = Vec::new();
        let each = rendered.produced.iter().zip(&rendered.trimmed).zip(keys);
        for ((input, publication), ((paths, trimmed), keys)) in
            inputs.iter().zip(publications).zip(each)
        {
            // What was loaded is what was hashed: the file is the same now as before.
            let (size, hash) = hash_file(&input.path).ok()?;
            if input.shown != publication.source || size != input.size || hash != input.hash {
                return None;
            }
            records.push(PublicationView {
                input: &input.shown,
                input_size: size,
                input_hash: hash,
                events: publication.events,
                articles: publication.articles,
                trimmed: trimmed.clone(),
                outputs: outputs(paths, &keys.0),
            });
        }
        let whole = format!("{}\0{MANIFEST}\0", files::INDEX);
        serialize(&RecordView {
            format: record::FORMAT,
            calfeed: program()?,
            settings: &self.settings,
            publications: records,
            whole: outputs(&whole, &[]),
        })
    }
}

/// The cache file's bytes: a hash of the JSON text, on a line of its own, then the text.
/// Written straight into one buffer (at N = 100 000 the text is about 28 MB), never
/// copied, and without the records of every output in memory beside it.
fn serialize(record: &impl serde::Serialize) -> Option<Vec<u8>> {
    const HASH: usize = 32;
    let mut bytes = vec![b'0'; HASH];
    bytes.push(b'\n');
    serde_json::to_writer(&mut bytes, record).ok()?;
    let hash = hex(xxh3(&bytes[HASH + 1..]));
    bytes[..HASH].copy_from_slice(hash.as_bytes());
    bytes.push(b'\n');
    Some(bytes)
}

/// Whether the file at `path` holds exactly `bytes` (read in pieces).
fn holds(path: &Path, bytes: &[u8]) -> bool {
    use std::io::Read;
    let Ok(file) = fs::File::open(path) else {
        return false;
    };
    if file.metadata().map(|m| m.len()).ok() != Some(bytes.len() as u64) {
        return false;
    }
    let mut file = io::BufReader::new(file);
    let mut rest = bytes;
    let mut buffer = vec![0; 1 << 16];
    loop {
        match file.read(&mut buffer) {
            Ok(0) => return rest.is_empty(),
            Ok(n) if n <= rest.len() && buffer[..n] == rest[..n] => rest = &rest[n..],
            Ok(_) => return false,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return false,
        }
    }
}

/// Replaces the cache file; if that fails, removes it.
fn write_record(out_dir: &Path, record: &Record) {
    write_bytes(out_dir, serialize(record));
}

/// Replaces the cache file with `bytes` (unless it holds them already); if that fails, or
/// there is nothing to write, removes it.
fn write_bytes(out_dir: &Path, bytes: Option<Vec<u8>>) {
    let path = out_dir.join(CACHE);
    let written = bytes
        .is_some_and(|bytes| holds(&path, &bytes) || publish::replace_file(&path, &bytes).is_ok());
    if !written {
        let _ = fs::remove_file(&path);
    }
}

fn xxh3(bytes: &[u8]) -> u128 {
    xxhash_rust::xxh3::xxh3_128(bytes)
}

/// calfeed's version and the running program's file (its size, times and inode: a
/// program built again is another file), once per process. Another build of calfeed may
/// render differently, even with the same version.
fn program() -> Option<&'static String> {
    static PROGRAM: OnceLock<Option<String>> = OnceLock::new();
    PROGRAM
        .get_or_init(|| {
            let exe = std::env::current_exe().ok()?;
            let exe = record::identity(&exe)?;
            Some(format!("{} {exe}", env!("CARGO_PKG_VERSION")))
        })
        .as_ref()
}

/// Every setting that changes what a build writes: the load options, whole (a new
/// option is part of it without anyone remembering to add it).
fn settings(build: &Build) -> String {
    hex(xxh3(format!("{:?}", build.load).as_bytes()))
}

/// Every publication file, as the loader lists and names them, read and hashed. A file
/// over the input limit is not read: the loader refuses it, unread, and nothing is cached.
fn read_inputs(dir: &Path, max_input_bytes: u64) -> Option<Vec<Input>> {
    load::publication_files(dir)
        .ok()?
        .into_iter()
        .map(|path| {
            if fs::metadata(&path).ok()?.len() > max_input_bytes {
                return None;
            }
            let (size, hash) = hash_file(&path).ok()?;
            Some(Input {
                shown: path.display().to_string(),
                path,
                size,
                hash,
            })
        })
        .collect()
}

/// The last build's record, when it is whole, of this format, and names only paths
/// inside the output folder.
fn read_record(out_dir: &Path) -> Option<Record> {
    let text = fs::read_to_string(out_dir.join(CACHE)).ok()?;
    let (hash, json) = text.split_once('\n')?;
    let json = json.strip_suffix('\n')?;
    if hex(xxh3(json.as_bytes())) != hash {
        return None;
    }
    let record: Record = serde_json::from_str(json).ok()?;
    let inside = |path: &str| {
        !path.is_empty()
            && Path::new(path)
                .components()
                .all(|c| matches!(c, Component::Normal(_)))
    };
    let all_inside = record
        .publications
        .iter()
        .flat_map(|p| &p.outputs)
        .chain(&record.whole)
        .all(|o| inside(o.path()));
    (record.format == record::FORMAT && all_inside).then_some(record)
}

/// Passes files on to a sink, counting them. Their paths are the staging's, in the order
/// staged ([`Rendered::note_paths`]): publications are rendered one after the other.
struct Recording<'s> {
    sink: &'s dyn Sink,
    count: AtomicUsize,
}

impl Rendered {
    /// Notes each publication's files as `staging` has them, before it is committed (and
    /// once the model is gone): one string each, every path ended by a NUL (which no path
    /// holds), not a string per file (300 000 of them at N = 100 000). Should the staging
    /// hold fewer files than were counted, none are noted (and nothing is recorded).
    pub(super) fn note_paths(&mut self, staging: &Staging) {
        let counts = &self.counts;
        let produced = &mut self.produced;
        staging.with_staged(|paths| {
            for &count in counts {
                let mut one = String::new();
                let mut taken = 0;
                for path in (&mut *paths).take(count) {
                    one.push_str(path);
                    one.push('\0');
                    taken += 1;
                }
                if taken < count {
                    produced.clear();
                    return;
                }
                produced.push(one);
            }
        });
    }
}

impl Sink for Recording<'_> {
    fn file(&self, path: &str, render: &mut Render<'_>) -> io::Result<()> {
        self.sink.file(path, render)?;
        self.count.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
}

/// Passes on a per-item output of a publication being rendered when the last build wrote
/// it with the same key (with the same settings: [`settings`]) and its file is still as
/// that build left it; it is then staged as it is ([`Staging::keep`]), unread. Notes every
/// key, for the record.
struct Passing<'p> {
    staging: &'p Staging,
    out_dir: &'p Path,
    /// The hash of the settings.
    settings: u128,
    /// The last build's per-item outputs of this publication.
    earlier: &'p Earlier,
    /// The publication's count of files staged ([`Recording`]).
    count: &'p AtomicUsize,
    kept: AtomicUsize,
    keys: Mutex<KeyLog>,
}

impl Reuse for Passing<'_> {
    fn may_pass_on(&self) -> bool {
        !self.earlier.0.is_empty()
    }

    fn pass_on(&self, path: &str, key: &dyn Fn() -> u128) -> io::Result<bool> {
        let mut keyed = [0; 32];
        keyed[..16].copy_from_slice(&key().to_le_bytes());
        keyed[16..].copy_from_slice(&self.settings.to_le_bytes());
        let key = xxh3(&keyed);
        self.keys
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(path, key);
        let Some((recorded, hashed)) = self.earlier.get(path) else {
            return Ok(false);
        };
        let now = record::fingerprint_now(self.out_dir, path, key, hashed);
        if now.map(|f| f & !1) != Some(recorded) {
            return Ok(false);
        }
        // Should the file not be taken as it is, it is rendered (and any real problem
        // with its path is the render's error).
        if self.staging.keep(path).is_err() {
            return Ok(false);
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        self.kept.fetch_add(1, Ordering::Relaxed);
        Ok(true)
    }
}
