//! The in-process phase timer: wall time of each phase and the peak RSS after it.

use std::fs;
use std::time::{Duration, Instant};

/// Peak resident set size so far, from /proc (Linux); 0 elsewhere.
fn peak_rss_mib() -> f64 {
    fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        })
        .map_or(0.0, |kib| kib / 1024.0)
}

#[derive(Default)]
pub struct Phases {
    rows: Vec<(String, Duration, f64, bool)>,
}

impl Phases {
    /// Times `f`; `part` says whether the phase is a step of the real build (summed into
    /// the total) or a measurement of a piece of one (shown, not summed).
    pub fn time<T>(&mut self, name: &str, part: bool, f: impl FnOnce() -> T) -> T {
        let started = Instant::now();
        let value = f();
        let elapsed = started.elapsed();
        self.rows
            .push((name.to_string(), elapsed, peak_rss_mib(), part));
        value
    }

    pub fn print(&self) {
        let total: Duration = self.rows.iter().filter(|r| r.3).map(|r| r.1).sum();
        println!(
            "{:<46} {:>10} {:>7} {:>14}",
            "phase", "ms", "%", "peak RSS MiB"
        );
        for (name, elapsed, rss, part) in &self.rows {
            let ms = elapsed.as_secs_f64() * 1e3;
            let share = 100.0 * elapsed.as_secs_f64() / total.as_secs_f64().max(1e-9);
            let name = if *part {
                name.clone()
            } else {
                format!("  · {name}")
            };
            println!("{name:<46} {ms:>10.1} {share:>6.1}% {rss:>14.1}");
        }
        println!(
            "{:<46} {:>10.1} {:>6.1}%",
            "total (build steps)",
            total.as_secs_f64() * 1e3,
            100.0
        );
        println!(
            "(rows marked · time a piece of the work, or a rebuild, on their own: not summed)"
        );
    }
}
