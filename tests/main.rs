//! clinicplan's end-to-end tests: one test binary (`e2e`), a real server on 127.0.0.1
//! port 0 per test, clients generated from proto/, and an independent checker and
//! brute force written apart from the solver crate.
//!
//! - `theatre_small`: hand-made cases with optima worked out by hand, one rule each.
//! - `theatre_policies`: weighted wait against priority order, weights, P1 first.
//! - `theatre_properties`: generated and tiny random requests, checked and brute-forced.
//! - `checker_selftest`: the checker itself finds each rule broken on purpose.
//! - `bad_input`: every class of invalid request gets INVALID_ARGUMENT naming its fields.
//! - `infra`: health, reflection, shutdown and the deadline promise.
//! - `cli`: the command-line tool on every shipped scenario, `check`, bad input.
//! - `lists_report`: `plan-theatres --html` drawn in headless Chromium: every case and
//!   session of the plan is an element, no script, a screenshot.
//! - `replan`: re-planning around a published plan over gRPC and `clinicplan replan`:
//!   unchanged plans kept unless moves pay, cancelled sessions displaced and re-booked,
//!   the changes recomputed by the checker, bad settings named, `--html` in Chromium.
//! - `appointments_small`: hand-made appointment networks with optima worked out by
//!   hand (booking next door, continuity, same day, travel, reasons, urgency).
//! - `appointments_properties`: generated and tiny random networks, checked, against
//!   the per-pair reference LP and the brute force, both methods, determinism.
//! - `appointments_bad_input`: every class of invalid balancing request gets
//!   INVALID_ARGUMENT naming its fields.
//! - `hardening`: the solve pool and queue, deadlines, cancellation, graceful
//!   shutdown and SIGTERM, TLS and mTLS, tokens, size and entity limits, request ids.
//! - `fuzz`: arbitrary and adversarial requests and raw bytes over gRPC: field
//!   violations or a checked plan, in time, never a crash.
//! - `scenario`: `clinicplan scenario validate` and `run` on small and shipped scenario files.
//! - `scenario_gp`: GP-network scenarios: conservation, the pharmacist variant, determinism, CLI.
//! - `scenario_grpc`: ScenarioRunner streaming, determinism across the wire, errors, cancel.
//! - `scenario_grpc_replications`: RunScenario with replications: every replication's
//!   weeks numbered, the CLI's statistics number for number, the file's setting, bad
//!   counts named.
//! - `reproducible`: reproducible mode: byte-identical plans in process, through a
//!   loaded server and through two servers behind nginx; effort_used replayed.
//! - `scale_out`: `scenario run --server` through nginx with a server killed mid-run, and
//!   across a server restart: the in-process results.
//!
//! - `theatre_csv`: theatre plans from the six CSV files: round trip, the example week
//!   from CSV and from JSON, `--bookings-csv`, bad files exit 2 naming file, line, column.
//!
//! Failing cases are saved as proto3 JSON under `$TMPDIR/clinicplan-e2e/`.

mod appointments_bad_input;
mod appointments_properties;
mod appointments_small;
mod bad_input;
mod checker_selftest;
mod cli;
mod fhir;
mod fuzz;
mod gpconnect;
mod hardening;
mod infra;
mod lists_report;
mod replan;
mod reproducible;
mod scale_out;
mod scenario;
mod scenario_gp;
mod scenario_grpc;
mod scenario_grpc_replications;
mod scenario_report;
mod support;
mod theatre_csv;
mod theatre_policies;
mod theatre_properties;
mod theatre_small;
