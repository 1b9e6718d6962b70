//! The `realm` of the `WWW-Authenticate: Bearer` challenge.

use std::fmt;
use std::sync::Arc;

/// The protection space named in every challenge: `Bearer realm="…"`
/// (default `clerk-m2m`).
///
/// ```
/// use clerk_m2m_axum::Realm;
///
/// assert_eq!(Realm::new("billing api")?.as_str(), "billing api");
/// assert!(Realm::new("line\nbreak").is_err());
/// # Ok::<(), clerk_m2m_axum::InvalidRealm>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Realm(Arc<str>);

impl Realm {
    /// The realm shown when none is set.
    pub const DEFAULT: &'static str = "clerk-m2m";

    /// A realm: printable ASCII (spaces, quotes and backslashes allowed; they
    /// are escaped in the header).
    pub fn new(name: impl Into<String>) -> Result<Self, InvalidRealm> {
        let name = name.into();
        if name
            .bytes()
            .all(|byte| byte == b' ' || byte.is_ascii_graphic())
        {
            Ok(Self(name.into()))
        } else {
            Err(InvalidRealm)
        }
    }

    /// The name as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The name as an HTTP quoted-string, quotes included.
    pub(crate) fn quoted(&self) -> String {
        let mut quoted = String::with_capacity(self.0.len() + 2);
        quoted.push('"');
        for character in self.0.chars() {
            if matches!(character, '"' | '\\') {
                quoted.push('\\');
            }
            quoted.push(character);
        }
        quoted.push('"');
        quoted
    }
}

impl Default for Realm {
    fn default() -> Self {
        Self(Self::DEFAULT.into())
    }
}

impl fmt::Debug for Realm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for Realm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A realm with a character an HTTP header cannot carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a realm must be printable ASCII (letters, digits, punctuation, spaces)")]
#[non_exhaustive]
pub struct InvalidRealm;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_and_backslashes_are_escaped() {
        let realm = Realm::new(r#"a "b" \c"#).unwrap();
        assert_eq!(realm.quoted(), r#""a \"b\" \\c""#);
        assert_eq!(Realm::default().quoted(), r#""clerk-m2m""#);
    }

    #[test]
    fn control_and_non_ascii_characters_are_refused() {
        for name in ["tab\there", "nul\0", "café", "del\x7f"] {
            assert_eq!(Realm::new(name), Err(InvalidRealm), "{name:?}");
        }
    }
}
