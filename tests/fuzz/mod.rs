//! The fuzz target of issue 6, as property tests over gRPC: arbitrary theatre and
//! appointment requests (small generated requests with adversarial edits: empty and
//! duplicate ids, dangling references, bad dates and times, huge numbers, unknown
//! enums, NaN weights; and requests built from nothing), and raw random bytes (random,
//! and valid encodings with bytes flipped, cut or inserted), all sent to one real
//! server. Every answer must be
//!
//! - INVALID_ARGUMENT with at least one BadRequest field violation, or
//! - OK with a plan that passes a re-check (theatre lists: the independent checker of
//!   `support::checker`; appointments: each request exactly once, booked or not, in a
//!   slot of the request, and no slot booked twice),
//!
//! within the request's time limit + 5 s (a client-side time-out, not a gRPC deadline,
//! which would itself cap the solve). Raw bytes are also decoded here with prost: never
//! a panic; bytes that do not decode must get an error status, not a crash. The server
//! must still answer health at the end.
//!
//! The cases come from a fixed seed, so a run is repeatable (the corpus is the seed):
//! `CLINICPLAN_FUZZ_SEED=N` and `CLINICPLAN_FUZZ_SCALE=K` (K times as many cases) change
//! it. Failing cases are saved under `$TMPDIR/clinicplan-e2e/fuzz-*`; kept cases live in
//! `tests/corpus/fuzz/` (raw request bytes) and are replayed on every run
//! (`the_fuzz_corpus_replays_to_a_checked_plan_or_field_violations`).

mod appointments;
mod corpus;
mod harness;
mod judge;
mod raw;
mod run;
mod theatre;
mod values;

use std::time::Duration;

/// Cases per run (times `CLINICPLAN_FUZZ_SCALE`).
const THEATRE_CASES: usize = 1_500;
const APPOINTMENT_CASES: usize = 1_200;
/// Raw byte strings decoded here, of each message type.
const RAW_DECODED: usize = 20_000;
/// Of which sent over gRPC, of each type.
const RAW_SENT: usize = 500;
/// Requests in flight at once (the server runs as many solves at once).
const IN_FLIGHT: usize = 4;

/// The server's limits during the fuzz.
const DEFAULT_LIMIT_MS: u32 = 1_000;
const MAX_LIMIT_MS: u32 = 3_000;
/// Beyond the time limit, how long an answer may take.
const SLACK: Duration = Duration::from_secs(5);
