//! A model file mapped read-only, so that its weights are used where the
//! page cache already holds them: a warm load reads nothing, and the
//! process's memory is the file plus the cache and buffers, never a copy.

use std::fs::File;
use std::path::Path;

/// A file mapped read-only.
pub struct Mapped {
    map: memmap2::Mmap,
}

impl Mapped {
    /// Maps `path` read-only.
    pub fn open(path: &Path) -> std::io::Result<Mapped> {
        let file = File::open(path)?;
        // SAFETY: the map is read-only and never handed out mutably. What a
        // memory map cannot rule out is another process truncating or
        // rewriting the file while it is mapped; model files live in the
        // app's own models folder, are replaced only by writing a new file
        // and renaming it (which leaves this mapping on the old inode), and
        // ARCHITECTURE.md states that a loaded model's file is not edited in
        // place. llama.cpp maps its models under the same assumption.
        let map = unsafe { memmap2::Mmap::map(&file)? };
        // Ask the kernel to start reading the whole file now, in the
        // background; the first forward pass would otherwise fault it in
        // page by page. Advice that the platform refuses changes nothing.
        #[cfg(unix)]
        let _ = map.advise(memmap2::Advice::WillNeed);
        Ok(Mapped { map })
    }

    /// The file's bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.map
    }

    /// Tells the kernel that the pages of `start..start + len` will not be
    /// read again soon, so they leave this process's resident memory (they
    /// stay in the page cache and come back on a later read). For tensors
    /// copied out at load (regrouped): without it their original pages
    /// would count twice.
    pub fn release(&self, start: usize, len: usize) {
        #[cfg(unix)]
        {
            const PAGE: usize = 4096;
            // Whole pages strictly inside the range, so a neighbour's first
            // or last page stays.
            let from = start.div_ceil(PAGE) * PAGE;
            let to = (start + len) / PAGE * PAGE;
            if to > from && to <= self.map.len() {
                // SAFETY: the mapping is a read-only private map of a file:
                // MADV_DONTNEED drops its pages from this process, and any
                // later read of them faults the same bytes back in from the
                // file. No reference into the map is invalidated, and there
                // are no writes that could be discarded.
                let _ = unsafe {
                    self.map.unchecked_advise_range(
                        memmap2::UncheckedAdvice::DontNeed,
                        from,
                        to - from,
                    )
                };
            }
        }
        #[cfg(not(unix))]
        let _ = (start, len);
    }
}
