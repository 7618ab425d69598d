//! A model file mapped read-only, so that its weights are used where the
//! page cache already holds them: a warm load reads nothing, and the
//! process's memory is the file plus the cache and buffers, never a copy.

use std::fs::File;
use std::path::Path;

pub struct Mapped {
    map: memmap2::Mmap,
}

impl Mapped {
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

    pub fn bytes(&self) -> &[u8] {
        &self.map
    }
}
