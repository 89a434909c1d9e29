//! Calls on a HiGHS model that the `highs` crate does not offer, through `highs_sys`.

use std::time::Duration;

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
