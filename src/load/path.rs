//! The path of a field in a publication (`events[0].start`): what every check reports a
//! problem at, what the locator turns into a line and column, and how messages spell it.

use std::fmt;

/// One step of a field path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Step {
    Key(String),
    Index(usize),
}

/// Where a field is, from the top of the document; empty for the document itself.
///
/// Checks build a field's path from its parent's (`base.key("start")`), so that a
/// problem found deep in an event names the event it is in.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct FieldPath(Vec<Step>);

impl FieldPath {
    /// The document itself.
    pub(crate) fn root() -> Self {
        FieldPath::default()
    }

    /// The field `name` of the table here: `events[0]` gives `events[0].start`.
    pub(crate) fn key(&self, name: &str) -> Self {
        self.with(Step::Key(name.to_string()))
    }

    /// Item `i` of the list here: `events` gives `events[0]`.
    pub(crate) fn index(&self, i: usize) -> Self {
        self.with(Step::Index(i))
    }

    fn with(&self, step: Step) -> Self {
        let mut steps = Vec::with_capacity(self.0.len() + 1);
        steps.extend_from_slice(&self.0);
        steps.push(step);
        FieldPath(steps)
    }

    /// Goes one step deeper, in place (for a search that walks down and back up).
    pub(crate) fn push(&mut self, step: Step) {
        self.0.push(step);
    }

    /// Goes one step back up, in place.
    pub(crate) fn pop(&mut self) {
        self.0.pop();
    }

    pub(crate) fn steps(&self) -> &[Step] {
        &self.0
    }
}

/// The way the README and the errors spell a path: `events[0].start`.
impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A dot goes between a key and whatever was written before it; an empty key
        // (`"" = 1` is valid TOML) at the start writes nothing, so none follows it.
        let mut written = false;
        for step in &self.0 {
            match step {
                Step::Key(key) => {
                    if written {
                        f.write_str(".")?;
                    }
                    f.write_str(key)?;
                    written |= !key.is_empty();
                }
                Step::Index(i) => {
                    write!(f, "[{i}]")?;
                    written = true;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_spelled_as_in_the_readme() {
        let event = FieldPath::root().key("events").index(2);
        assert_eq!(event.to_string(), "events[2]");
        assert_eq!(
            event.key("overrides").index(0).key("start").to_string(),
            "events[2].overrides[0].start"
        );
        assert_eq!(FieldPath::root().to_string(), "");
        assert_eq!(FieldPath::root().index(1).key("a").to_string(), "[1].a");
        assert_eq!(FieldPath::root().key("").key("a").to_string(), "a");
        assert_eq!(FieldPath::root().key("a").key("").to_string(), "a.");
        let mut walked = FieldPath::root();
        walked.push(Step::Key("channel".into()));
        walked.push(Step::Key("title".into()));
        walked.pop();
        assert_eq!(walked, FieldPath::root().key("channel"));
    }
}
