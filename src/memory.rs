//! Giving freed memory back to the system.
//!
//! Two places free much at once. In `serve`, a rebuild holds the new publications beside
//! the old ones until the new site is served, then frees the old. In loading, the
//! events and articles as read (deserialized on other threads, so in other heaps of the
//! allocator) are freed once checked, along with the buffers of their batches; the checked
//! ones stay, spread over the same heaps. glibc's allocator keeps what was freed in its
//! heaps for later allocations and hands back only the free memory at the top of each. The old model is
//! spread across the heaps, between live allocations, so the preview's resident memory
//! stayed near its peak after the first edit. At N = 100 000 that was 860 MiB for a 518 MiB
//! input, where it held 354 MiB before the edit. `malloc_trim(0)` returns every whole free
//! page of every heap, in a few milliseconds.
//!
//! This is the crate's one `unsafe` block: a call into the C library, which takes a size
//! and nothing else. It is called only where the C library is glibc; elsewhere freed
//! memory is left as the allocator keeps it.

/// Returns the allocator's free pages to the system, where it can (glibc); no-op elsewhere.
pub fn give_back() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `malloc_trim` reads no pointer and has no precondition; it only walks the
    // allocator's own free lists, under the allocator's own locks.
    unsafe {
        libc::malloc_trim(0);
    }
}
