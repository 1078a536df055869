//! Giving the memory of a replaced build back to the system.
//!
//! A rebuild holds the new publications beside the old ones until the new site is served,
//! then frees the old. glibc's allocator keeps what was freed in its heaps for later
//! allocations and hands back only the free memory at the top of each. The old model is
//! spread across the heaps, between live allocations, so the preview's resident memory
//! stayed near its peak after the first edit. At N = 100 000 that was 860 MiB for a 518 MiB
//! input, where it held 354 MiB before the edit. `malloc_trim(0)` returns every whole free
//! page of every heap.
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
