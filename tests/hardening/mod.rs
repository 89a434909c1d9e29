//! The service as infrastructure (issue 6), over a real server and real clients on
//! loopback: the solve pool and its queue, the client's deadline, cancellation,
//! graceful shutdown (in process and by SIGTERM on the real binary), TLS and mutual
//! TLS with certificates made here, bearer tokens, message-size and entity limits, and
//! the request id.
//!
//! Every wait is bounded: state is observed by polling the metrics endpoint (or the
//! health service) a bounded number of times, never by sleeping and hoping. No test
//! asserts on speed.
//!
//! Where a test needs a solve that is still running while it looks, the server runs a
//! stand-in worker that never answers (a link to `sleep` under a name of the test's
//! own): the solve then lasts exactly until its deadline (or its cancellation) and uses
//! no CPU, whatever the machine's load. The link's name lets a test find its own
//! stand-in processes without mistaking another test's.

mod deadlines;
mod limits;
mod logs;
mod processes;
mod queue;
mod request_id;
mod requests;
mod safe_by_default;
mod server;
mod shutdown;
mod tls;
mod tokens;

use std::time::Duration;

const SCHEDULER: &str = "clinicplan.v1.TheatreScheduler";
const BALANCER: &str = "clinicplan.v1.AppointmentBalancer";

/// The bound on any single wait for an answer.
const ANSWER_WAIT: Duration = Duration::from_secs(60);
/// Metrics polls: 400 × 50 ms = 20 s at most.
const POLL_TRIES: u32 = 400;
const POLL_EVERY: Duration = Duration::from_millis(50);
