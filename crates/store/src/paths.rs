//! File names derived from the database's own: the leaf that `open`,
//! `backup` and `generation` all need, so none of them imports another
//! for it.

use std::path::{Path, PathBuf};

/// `path` with `suffix` appended to its file name (`e.sqlite3` →
/// `e.sqlite3-wal`), unlike `with_extension`, which would replace the
/// database's own extension.
pub(crate) fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sibling_keeps_the_whole_name() {
        assert_eq!(
            sibling(Path::new("/datos/epicrisis.sqlite3"), "-wal"),
            PathBuf::from("/datos/epicrisis.sqlite3-wal")
        );
    }
}
