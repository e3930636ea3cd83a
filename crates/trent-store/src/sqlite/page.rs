//! Paging of listings by an opaque position: the row sequence number of the
//! last item returned.

use crate::record::Page;

/// Cuts a `limit + 1` query result into a page and the position after it.
pub(crate) fn paginate<T>(mut entries: Vec<(i64, T)>, limit: u32) -> Page<T> {
    let more = entries.len() > limit as usize;
    entries.truncate(limit as usize);
    let next = if more {
        entries.last().map(|(seq, _)| *seq)
    } else {
        None
    };
    Page {
        items: entries.into_iter().map(|(_, item)| item).collect(),
        next,
    }
}
