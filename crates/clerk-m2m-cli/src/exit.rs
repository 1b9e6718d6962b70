//! Exit codes, and failures as the one or two lines printed on stderr.
//!
//! | code | meaning |
//! |---|---|
//! | 0 | success |
//! | 1 | the API answered with an error, the token did not verify, or the emulator could not start |
//! | 2 | usage error: bad flags or values, or no key to make the call with |
//! | 3 | network failure: the API could not be reached, or the connection broke |

use std::fmt;

/// How the process ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// 0: it worked.
    Success,
    /// 1: the API answered with an error, a token did not verify, or the
    /// emulator could not start.
    Failure,
    /// 2: the command line was wrong (clap's own errors too) or a key is missing.
    Usage,
    /// 3: the API could not be reached or the connection broke.
    Network,
}

impl Exit {
    /// The process exit code.
    pub fn code(self) -> u8 {
        match self {
            Self::Success => 0,
            Self::Failure => 1,
            Self::Usage => 2,
            Self::Network => 3,
        }
    }
}

impl From<Exit> for std::process::ExitCode {
    fn from(exit: Exit) -> Self {
        Self::from(exit.code())
    }
}

/// What a subcommand was doing when it failed; it picks the wording and the hints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// `create`.
    Create,
    /// `list`.
    List,
    /// `revoke`.
    Revoke,
    /// `verify`, through the API or locally.
    Verify,
    /// Fetching the JWKS for `verify`.
    FetchJwks,
    /// A `machines` subcommand, by the call it makes.
    Machine(clerk_m2m_types::Operation),
}

impl Action {
    /// "could not …": the start of the error line.
    pub(crate) fn failed(self) -> &'static str {
        match self {
            Self::Create => "could not create the token",
            Self::List => "could not list the tokens",
            Self::Revoke => "could not revoke the token",
            Self::Verify => "the token did not verify",
            Self::FetchJwks => "could not fetch the JWKS to verify the JWT",
            Self::Machine(operation) => crate::commands::machines::failed(operation),
        }
    }
}

/// A failure: the exit code, a one-line message, and an optional hint line.
///
/// Messages never contain a key or a token value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    exit: Exit,
    message: String,
    hint: Option<String>,
}

impl Failure {
    /// A failure ending with `exit`.
    pub fn new(exit: Exit, message: impl Into<String>) -> Self {
        Self {
            exit,
            message: message.into(),
            hint: None,
        }
    }

    /// A usage error (exit 2).
    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(Exit::Usage, message)
    }

    /// Adds the hint line.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// The exit code.
    pub fn exit(&self) -> Exit {
        self.exit
    }

    /// The message line (without the `error: ` prefix).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The hint line, if any (without the `hint: ` prefix).
    pub fn hint(&self) -> Option<&str> {
        self.hint.as_deref()
    }
}

impl fmt::Display for Failure {
    /// `error: …` and, if there is one, `hint: …` on a second line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error: {}", self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\nhint: {hint}")?;
        }
        Ok(())
    }
}

/// `text` on one line, without control characters, cut at `max` characters.
pub(crate) fn one_line(text: &str, max: usize) -> String {
    let mut out: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(max)
        .collect();
    if text.chars().count() > max {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_the_documented_ones() {
        let codes: Vec<u8> = [Exit::Success, Exit::Failure, Exit::Usage, Exit::Network]
            .into_iter()
            .map(Exit::code)
            .collect();
        assert_eq!(codes, [0, 1, 2, 3]);
    }

    #[test]
    fn one_line_strips_control_characters() {
        assert_eq!(one_line("a\nb\x1b[31m", 100), "a b [31m");
        assert_eq!(one_line("abcdef", 3), "abc…");
    }
}
