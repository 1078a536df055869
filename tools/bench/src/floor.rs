//! The floor: what any tool must at least do with the same input and output.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::{bad, parse_num};

/// How the floor makes its files durable.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Sync {
    /// Not at all: the page cache writes them back later (the floor proper).
    None,
    /// `fsync` each file after writing it, as `calfeed build` does today.
    EachFile,
    /// One `syncfs` of the output's file system after all files are written (`sync -f`).
    OnceAtEnd,
}

/// What any tool must at least do: parse the same JSON, and write as many bytes in as many
/// files as calfeed does (plain writes: no temporary files, no rename; fsync as `sync` says).
pub fn floor_command(
    input: &str,
    out: &str,
    bytes: &str,
    files: &str,
    sync: Sync,
) -> io::Result<()> {
    let bytes: usize = parse_num(bytes, "BYTES")?;
    let files: usize = parse_num::<usize>(files, "FILES")?.max(1);
    let started = Instant::now();
    let text = fs::read_to_string(input)?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| bad(format!("{input}: {e}")))?;
    drop(text);
    let parsed = started.elapsed();
    // Bytes derived from the parsed data, repeated up to the size of calfeed's output.
    let mut data = serde_json::to_vec(&value).map_err(io::Error::other)?;
    drop(value);
    if data.is_empty() {
        data.push(b'\n');
    }
    let out = Path::new(out);
    fs::create_dir_all(out.join("d"))?;
    // One file holds half the bytes (calfeed's feeds are a few large files), the rest are
    // spread evenly over the others (the one-event files).
    let big = if files > 1 { bytes / 2 } else { bytes };
    let small = if files > 1 {
        (bytes - big) / (files - 1)
    } else {
        0
    };
    let mut offset = 0usize;
    let mut chunk = |len: usize| -> Vec<u8> {
        let mut v = Vec::with_capacity(len);
        while v.len() < len {
            let take = (len - v.len()).min(data.len() - offset);
            v.extend_from_slice(&data[offset..offset + take]);
            offset = (offset + take) % data.len();
        }
        v
    };
    let write = |path: PathBuf, contents: Vec<u8>| -> io::Result<()> {
        let mut file = fs::File::create(path)?;
        file.write_all(&contents)?;
        if sync == Sync::EachFile {
            file.sync_all()?;
        }
        Ok(())
    };
    write(out.join("big.out"), chunk(big))?;
    for k in 1..files {
        write(out.join("d").join(format!("{k}.out")), chunk(small))?;
    }
    if sync == Sync::OnceAtEnd {
        let status = std::process::Command::new("sync")
            .arg("-f")
            .arg(out)
            .status()?;
        if !status.success() {
            return Err(io::Error::other("sync -f failed"));
        }
    }
    eprintln!(
        "floor: parsed in {:.3} s, wrote {bytes} bytes in {files} files, {:.3} s in all",
        parsed.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
