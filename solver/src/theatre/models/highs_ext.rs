//! Calls on a HiGHS model that the `highs` crate does not offer, through `highs_sys`.

use std::time::Duration;

use crate::theatre::effort::{Clock, NODE_UNITS, RUN_UNITS};

/// Gives the next solve of `model` (which may have been solved before, warm) `left` of
/// wall time. HiGHS does not reset its run clock between runs of one model, so its
/// `time_limit` counts every earlier run too (`Highs_zeroAllClocks` in HiGHS's
/// `highs_c_api.h`): without the reset, a column generation's master stops with
/// `ReachedTimeLimit` once its rounds together have taken `left`, long before the
/// deadline.
pub(crate) fn set_time_limit(model: &mut highs::Model, left: Duration) -> Option<()> {
    // SAFETY: the pointer is the live HiGHS instance owned by `model`, borrowed mutably
    // for the call; zeroing its clocks touches nothing else.
    let status = unsafe { highs_sys::Highs_zeroAllClocks(model.as_mut_ptr()) };
    (status == highs_sys::STATUS_OK).then_some(())?;
    model
        .try_set_option("time_limit", left.as_secs_f64().max(0.01))
        .ok()
}

/// Gives the next solve of `model` `left` of time on `clock`: on the wall clock a time
/// limit (as [`set_time_limit`]); on a virtual clock (reproducible mode) an effort budget,
/// a simplex iteration limit for an LP or a node limit for a MIP (`integer`), with the
/// wall-clock safety net as its time limit. `None` when the options cannot be set or a
/// virtual budget is spent (the run must not start).
pub(crate) fn set_limits(
    model: &mut highs::Model,
    left: Duration,
    clock: &Clock,
    integer: bool,
) -> Option<()> {
    let Some(budget) = clock.highs_budget(left) else {
        return set_time_limit(model, left);
    };
    if budget.units == 0 || budget.safety.is_zero() {
        return None;
    }
    set_time_limit(model, budget.safety)?;
    let cap = |n: u64| n.min(i32::MAX as u64) as i32;
    if integer {
        model
            .try_set_option("mip_max_nodes", cap(budget.nodes))
            .ok()?;
    } else {
        model
            .try_set_option("simplex_iteration_limit", cap(budget.units))
            .ok()?;
    }
    Some(())
}

/// Caps the simplex iterations of all the LPs of a MIP (`mip_max_nodes` leaves its root
/// unbounded): HiGHS's MIP interrupt callback stops the solve once
/// `mip_total_lp_iterations` exceeds `*cap`. HiGHS calls it at points of its algorithm,
/// not of the clock, so the stop is reproducible. `cap` must live until the solve ends.
pub(crate) fn cap_mip_iterations(model: &mut highs::Model, cap: &mut i64) -> Option<()> {
    /// Interrupts once the MIP's LPs have taken more iterations than the cap.
    ///
    /// # Safety
    /// HiGHS passes its callback data (or null) and the pointer given with it, an `i64`.
    unsafe extern "C" fn interrupt(
        _kind: std::os::raw::c_int,
        _message: *const std::os::raw::c_char,
        out: *const highs_sys::HighsCallbackDataOut,
        input: *mut highs_sys::HighsCallbackDataIn,
        cap: *mut std::os::raw::c_void,
    ) {
        if out.is_null() || input.is_null() || cap.is_null() {
            return;
        }
        // SAFETY: non-null pointers from HiGHS to its callback data, valid for the call,
        // and `cap`, the `i64` given to `Highs_setCallback`, alive until the solve ends.
        unsafe {
            if (*out).mip_total_lp_iterations > *(cap as *const i64) {
                (*input).user_interrupt = 1;
            }
        }
    }
    // SAFETY: the pointer is the live HiGHS instance owned by `model`; `cap` outlives the
    // solve (the caller's promise), and the callback only reads it.
    let status = unsafe {
        highs_sys::Highs_setCallback(
            model.as_mut_ptr(),
            Some(interrupt),
            (cap as *mut i64).cast::<std::os::raw::c_void>(),
        )
    };
    (status == highs_sys::STATUS_OK).then_some(())?;
    // SAFETY: as above; starting a callback type only sets a flag in HiGHS.
    let status = unsafe {
        highs_sys::Highs_startCallback(model.as_mut_ptr(), highs_sys::kHighsCallbackMipInterrupt)
    };
    (status == highs_sys::STATUS_OK).then_some(())
}

/// Charges a finished run of `solved` to `clock`: its simplex iterations (for a MIP,
/// those of all its LPs), [`NODE_UNITS`] per branch-and-bound node and [`RUN_UNITS`].
pub(crate) fn charge_run(solved: &highs::SolvedModel, clock: &Clock) {
    let iterations = solved
        .int_info_value(c"simplex_iteration_count")
        .unwrap_or(0)
        .max(0) as u64;
    let mut nodes: i64 = 0;
    // SAFETY: the pointer is the live HiGHS instance owned by `solved`, borrowed for the
    // call; HiGHS only reads it and writes the named int64 info into `nodes`, or reports
    // an error for an unknown name.
    let status = unsafe {
        highs_sys::Highs_getInt64InfoValue(solved.as_ptr(), c"mip_node_count".as_ptr(), &mut nodes)
    };
    let nodes = if status == highs_sys::STATUS_OK {
        nodes.max(0) as u64
    } else {
        0
    };
    clock.charge(RUN_UNITS + iterations + NODE_UNITS * nodes);
}

/// Sets the upper bound of row `row` (its position, in the order the rows were added) of
/// `model`, with no lower bound: the `highs` crate has no call for a row's bounds.
pub(crate) fn set_row_upper(model: &mut highs::Model, row: usize, upper: f64) -> Option<()> {
    let row = highs_sys::HighsInt::try_from(row).ok()?;
    // SAFETY: the pointer is the live HiGHS instance owned by `model`, borrowed mutably
    // for the call; HiGHS checks the row index and reports an error for a bad one.
    let status = unsafe {
        highs_sys::Highs_changeRowBounds(model.as_mut_ptr(), row, f64::NEG_INFINITY, upper)
    };
    (status == highs_sys::STATUS_OK).then_some(())
}
