//! Giving freed memory back to the system.
//!
//! Two places free much at once. In `serve`, a rebuild frees the publications served
//! until then (before it loads the new ones). In loading, the
//! events and articles as read (deserialized on other threads, so in other heaps of the
//! allocator) are freed once checked, along with the buffers of their batches; the checked
//! ones stay, spread over the same heaps. glibc's allocator keeps what was freed in its
//! heaps for later allocations and hands back only the free memory at the top of each. The old model is
//! spread across the heaps, between live allocations, so the preview's resident memory
//! stayed near its peak after the first edit. At N = 100 000 that was 860 MiB for a 518 MiB
//! input, where it held 354 MiB before the edit. `malloc_trim(0)` returns every whole free
//! page of every heap, in a few milliseconds.
//!
//! A long-running process has one more reason to keep its heaps lean. glibc raises the
//! size from which it maps a block of its own (`M_MMAP_THRESHOLD`, 128 KiB at first) each
//! time such a block is freed, up to 32 MiB, so that later large blocks (the loader's
//! batches, the vectors of a model) come from the heaps, and stay there, between smaller
//! ones, once freed. In `serve` the peak of each rebuild rose with it: 55 MiB after five
//! edits at N = 10 000, for a 52 MiB input, where it was 42 MiB at start.
//! [`keep_large_blocks_mapped`] fixes the threshold at its first value, so that a large
//! block goes back to the system when it is freed: 48 MiB.
//!
//! These are the crate's only `unsafe` blocks: calls into the C library, which take sizes
//! and nothing else. They are made only where the C library is glibc; elsewhere freed
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

/// Has every block from 128 KiB up mapped on its own, and unmapped when freed, rather
/// than kept in the heaps (glibc; no-op elsewhere). For a long-running process that
/// loads and frees large models again and again: `serve`.
pub fn keep_large_blocks_mapped() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `mallopt` reads no pointer and has no precondition; it sets one of the
    // allocator's parameters, under the allocator's own lock.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
    }
}
