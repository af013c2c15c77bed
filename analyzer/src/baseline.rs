//! Fingerprints and baselines. A finding's fingerprint is stable when code moves up or down: it
//! hashes the rule, the file, the primary line's text with whitespace normalized, and the index of
//! the finding among those with the same three (not its line number).
//!
//! `--write-baseline FILE` stores the fingerprints of today's findings; `--baseline FILE` accepts
//! them so that only new findings count.

use crate::engine::{FileReport, Report};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};
use std::path::Path;

/// FNV-1a, 64 bits: tiny, stable across platforms and versions.
fn fnv1a(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.bytes().chain(std::iter::once(0u8)) {
            h ^= b as u64;
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

/// The fingerprint of every diagnostic of a file, in order.
pub fn file_fingerprints(f: &FileReport) -> Vec<String> {
    let mut seen: HashMap<(String, &str), u32> = HashMap::new();
    let path = f.path.replace('\\', "/");
    f.diagnostics
        .iter()
        .map(|d| {
            let line = f.source.position(d.span.start).line;
            let snippet: String = f.source.line_text(line).split_whitespace().collect::<Vec<_>>().join(" ");
            let n = seen.entry((snippet.clone(), d.rule)).or_insert(0);
            let index = *n;
            *n += 1;
            format!("{:016x}", fnv1a(&[d.rule, &path, &snippet, &index.to_string()]))
        })
        .collect()
}

#[derive(Serialize, Deserialize)]
pub struct Baseline {
    pub version: u32,
    pub fingerprints: BTreeSet<String>,
}

impl Baseline {
    pub fn from_report(report: &Report) -> Baseline {
        let mut fingerprints = BTreeSet::new();
        for f in &report.files {
            for (d, fp) in f.diagnostics.iter().zip(file_fingerprints(f)) {
                if d.suppressed.is_none() {
                    fingerprints.insert(fp);
                }
            }
        }
        Baseline { version: 1, fingerprints }
    }

    pub fn load(path: &Path) -> Result<Baseline, String> {
        let text =
            std::fs::read_to_string(path).map_err(|e| format!("cannot read baseline {}: {e}", path.display()))?;
        serde_json::from_str(&text).map_err(|e| format!("invalid baseline {}: {e}", path.display()))
    }

    pub fn write(&self, path: &Path) -> Result<(), String> {
        let text = serde_json::to_string_pretty(self).unwrap_or_default() + "\n";
        crate::rule::write_atomic(path, &text).map_err(|e| format!("cannot write baseline {}: {e}", path.display()))
    }

    /// Drop the findings the baseline accepts; returns how many were dropped.
    pub fn apply(&self, report: &mut Report) -> usize {
        let mut dropped = 0;
        for f in &mut report.files {
            let fps = file_fingerprints(f);
            let mut keep = fps.iter().map(|fp| !self.fingerprints.contains(fp));
            let before = f.diagnostics.len();
            f.diagnostics.retain(|_| keep.next().unwrap_or(true));
            dropped += before - f.diagnostics.len();
        }
        report.files.retain(|f| !f.diagnostics.is_empty());
        dropped
    }
}
