//! The folders of a build must not overlap: an output folder that is the input folder, or
//! inside it, or holds it, would have the build overwrite or delete the publications it
//! reads; and a `previous` inside the input folder would have the guard compare with
//! nothing that was published. Paths are compared as the file system resolves them
//! (links and `..` followed), an output folder not made yet by its nearest existing parent.

use std::env;
use std::path::{Component, Path, PathBuf};

/// Why the folders of a build cannot be used together, or `None` when they can.
pub(super) fn overlap(input: &Path, output: &Path, previous: Option<&Path>) -> Option<String> {
    let (real_in, real_out) = (resolve(input), resolve(output));
    let (shown_in, shown_out) = (input.display(), output.display());
    if real_out == real_in {
        return Some(format!(
            "the output folder {shown_out} is the input folder {shown_in}: the outputs would \
             overwrite the publications; choose another output folder"
        ));
    }
    if real_out.starts_with(&real_in) {
        return Some(format!(
            "the output folder {shown_out} is inside the input folder {shown_in}: the outputs \
             would land among the publications; choose an output folder outside it"
        ));
    }
    if real_in.starts_with(&real_out) {
        return Some(format!(
            "the input folder {shown_in} is inside the output folder {shown_out}: a build \
             could overwrite or delete the publications; choose an output folder outside it"
        ));
    }
    let previous = previous?;
    resolve(previous).starts_with(&real_in).then(|| {
        format!(
            "the published calendars to guard against, {}, are in the input folder \
             {shown_in}: the guard would compare with no published calendar; give the \
             folder or file the published calendars were fetched to",
            previous.display()
        )
    })
}

/// `path` as the file system resolves it: its longest existing part canonicalized, and
/// the rest, which does not exist yet (so holds no link), appended.
fn resolve(path: &Path) -> PathBuf {
    let absolute = if path.is_absolute() {
        path.to_path_buf()
    } else {
        env::current_dir().unwrap_or_default().join(path)
    };
    let components: Vec<Component> = absolute.components().collect();
    for existing in (1..=components.len()).rev() {
        let prefix: PathBuf = components[..existing].iter().collect();
        if let Ok(mut real) = prefix.canonicalize() {
            for component in &components[existing..] {
                match component {
                    Component::ParentDir => {
                        real.pop();
                    }
                    Component::CurDir => {}
                    other => real.push(other),
                }
            }
            return real;
        }
    }
    absolute
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlapping_folders_are_found_through_dots_and_missing_parts() {
        let dir = tempfile::tempdir().unwrap();
        let feeds = dir.path().join("feeds");
        std::fs::create_dir(&feeds).unwrap();
        let public = dir.path().join("public");
        assert_eq!(overlap(&feeds, &public, None), None);
        assert!(overlap(&feeds, &feeds.join("."), None).is_some());
        assert!(overlap(&feeds, &public.join("../feeds"), None).is_some());
        assert!(overlap(&feeds, &feeds.join("new/deeper"), None).is_some());
        assert!(overlap(&feeds.join("sub"), &feeds, None).is_some());
        assert!(overlap(&feeds, &public, Some(&feeds.join("a.ics"))).is_some());
        assert_eq!(overlap(&feeds, &public, Some(&public)), None);
        // Sharing a prefix of their names is not overlapping.
        assert_eq!(overlap(&feeds, &dir.path().join("feeds-out"), None), None);
    }
}
