//! Exit codes, and failures as the lines (or the JSON object) printed on stderr.
//!
//! [`Exit::meaning`] is the one description of each code: `--help`, each
//! subcommand's help and the README's table say what it says (the README is
//! checked against it by a test).

use serde::Serialize;
use std::fmt;

/// How the process ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// 0: it worked.
    Success,
    /// 1: the API answered with an error, a token did not verify, or the
    /// emulator could not start.
    Failure,
    /// 2: the command line was wrong (clap's own errors too) or a key is
    /// missing: a secret key for the call, or a key to verify a JWT with.
    Usage,
    /// 3: the API could not be reached, the connection broke, or the
    /// `--timeout` passed.
    Network,
}

impl Exit {
    /// Every exit code, in order.
    pub const ALL: [Exit; 4] = [Self::Success, Self::Failure, Self::Usage, Self::Network];

    /// The process exit code.
    pub fn code(self) -> u8 {
        match self {
            Self::Success => 0,
            Self::Failure => 1,
            Self::Usage => 2,
            Self::Network => 3,
        }
    }

    /// What the code means, in full (`--help`, the README).
    pub fn meaning(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Failure => {
                "the API answered with an error, the token did not verify, or the emulator could \
                 not start"
            }
            Self::Usage => {
                "usage error: a bad flag or value (e.g. --claims that is not a JSON object, a \
                 negative --expires-in), or no key to make the call with (no secret key, or no \
                 CLERK_JWT_KEY / CLERK_SECRET_KEY to verify a JWT with)"
            }
            Self::Network => {
                "network failure: the API could not be reached, the connection broke, or \
                 --timeout passed"
            }
        }
    }

    /// What the code means, in a few words (each subcommand's help).
    pub fn summary(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Failure => "API error or verification failure",
            Self::Usage => "usage error or missing key",
            Self::Network => "network failure",
        }
    }

    /// The code clerk-m2m's own failures carry in JSON (`-o json`) when
    /// nothing more specific applies.
    fn default_error_code(self) -> &'static str {
        match self {
            Self::Success => "ok",
            Self::Failure => "failed",
            Self::Usage => "usage",
            Self::Network => "network",
        }
    }
}

impl From<Exit> for std::process::ExitCode {
    fn from(exit: Exit) -> Self {
        Self::from(exit.code())
    }
}

/// The `Exit codes:` section of `--help`: one code a line, wrapped at 96
/// columns.
pub fn exit_codes_help() -> String {
    let mut out = String::from("Exit codes:\n");
    for exit in Exit::ALL {
        let mut line = format!("  {}  ", exit.code());
        let indent = line.len();
        let mut width = indent;
        for (index, word) in exit.meaning().split_whitespace().enumerate() {
            if index > 0 && width + 1 + word.len() > 96 {
                line.push('\n');
                line.push_str(&" ".repeat(indent));
                width = indent;
            } else if index > 0 {
                line.push(' ');
                width += 1;
            }
            line.push_str(word);
            width += word.len();
        }
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// The exit codes in one line, at the end of each subcommand's `--help`.
pub fn exit_codes_short() -> String {
    let codes: Vec<String> = Exit::ALL
        .iter()
        .map(|exit| format!("{} {}", exit.code(), exit.summary()))
        .collect();
    format!(
        "Exit codes: {} (details: clerk-m2m --help)",
        codes.join(", ")
    )
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

/// A failure: the exit code, a one-line message, an optional hint line,
/// and for `-o json` a code, the HTTP status and Clerk's trace id.
///
/// Messages never contain a key or a token value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    exit: Exit,
    message: String,
    hint: Option<String>,
    code: String,
    status: Option<u16>,
    trace_id: Option<String>,
}

/// The JSON form of a failure: `{"error": {…}}`, keys in this order.
#[derive(Serialize)]
struct JsonFailure<'a> {
    error: JsonError<'a>,
}

#[derive(Serialize)]
struct JsonError<'a> {
    code: &'a str,
    message: &'a str,
    status: Option<u16>,
    trace_id: Option<&'a str>,
    hint: Option<&'a str>,
}

impl Failure {
    /// A failure ending with `exit`; its code is `usage`, `network` or
    /// `failed` by the exit code until [`with_code`](Self::with_code).
    pub fn new(exit: Exit, message: impl Into<String>) -> Self {
        Self {
            exit,
            message: message.into(),
            hint: None,
            code: exit.default_error_code().to_owned(),
            status: None,
            trace_id: None,
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

    /// Sets the code: Clerk's error code, or one of clerk-m2m's own
    /// (`usage`, `missing_key`, `network`, `token_invalid`…).
    pub fn with_code(mut self, code: impl Into<String>) -> Self {
        self.code = code.into();
        self
    }

    /// Sets the HTTP status and the trace id of the API's answer.
    pub fn with_answer(mut self, status: u16, trace_id: Option<String>) -> Self {
        self.status = Some(status);
        self.trace_id = trace_id;
        self
    }

    /// The exit code.
    pub fn exit(&self) -> Exit {
        self.exit
    }

    /// The code in the JSON form.
    pub fn code(&self) -> &str {
        &self.code
    }

    /// The HTTP status, when the API answered.
    pub fn status(&self) -> Option<u16> {
        self.status
    }

    /// Clerk's trace id, when the API sent one.
    pub fn trace_id(&self) -> Option<&str> {
        self.trace_id.as_deref()
    }

    /// The failure as one line of JSON, for `-o json`:
    /// `{"error":{"code":…,"message":…,"status":…,"trace_id":…,"hint":…}}`
    /// (`status`, `trace_id` and `hint` may be `null`).
    pub fn to_json(&self) -> String {
        let failure = JsonFailure {
            error: JsonError {
                code: &self.code,
                message: &self.message,
                status: self.status,
                trace_id: self.trace_id.as_deref(),
                hint: self.hint.as_deref(),
            },
        };
        // Strings and integers only: serializing cannot fail.
        serde_json::to_string(&failure).unwrap_or_else(|_| {
            r#"{"error":{"code":"failed","message":"the error could not be written as JSON","status":null,"trace_id":null,"hint":null}}"#.to_owned()
        })
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
        let codes: Vec<u8> = Exit::ALL.into_iter().map(Exit::code).collect();
        assert_eq!(codes, [0, 1, 2, 3]);
    }

    #[test]
    fn the_help_sections_say_what_meaning_says() {
        let help = exit_codes_help();
        assert!(help.starts_with("Exit codes:\n  0  success\n  1  the API answered"));
        assert!(help.lines().all(|line| line.len() <= 96), "{help}");
        let words: Vec<&str> = help.split_whitespace().collect();
        for exit in Exit::ALL {
            let meaning: Vec<&str> = exit.meaning().split_whitespace().collect();
            assert!(
                words.windows(meaning.len()).any(|window| window == meaning),
                "{exit:?} missing from {help}"
            );
        }
        let flat = words.join(" ");
        assert!(flat.contains("no CLERK_JWT_KEY / CLERK_SECRET_KEY to verify a JWT"));
        assert_eq!(
            exit_codes_short(),
            "Exit codes: 0 success, 1 API error or verification failure, 2 usage error or \
             missing key, 3 network failure (details: clerk-m2m --help)"
        );
    }

    #[test]
    fn json_carries_code_status_trace_id_and_nulls() {
        let failure = Failure::new(Exit::Failure, "could not revoke the token: \"quoted\"")
            .with_code("resource_not_found")
            .with_answer(404, Some("trace123".into()))
            .with_hint("a hint");
        let value: serde_json::Value = serde_json::from_str(&failure.to_json()).unwrap();
        let error = &value["error"];
        assert_eq!(error["code"], "resource_not_found");
        assert_eq!(error["status"], 404);
        assert_eq!(error["trace_id"], "trace123");
        assert_eq!(error["message"], "could not revoke the token: \"quoted\"");
        assert_eq!(error["hint"], "a hint");
        assert!(!failure.to_json().contains('\n'));

        let usage = Failure::usage("bad flag");
        let value: serde_json::Value = serde_json::from_str(&usage.to_json()).unwrap();
        assert_eq!(value["error"]["code"], "usage");
        assert!(value["error"]["status"].is_null());
        assert!(value["error"]["trace_id"].is_null());
        assert!(value["error"]["hint"].is_null());
        let network = Failure::new(Exit::Network, "down");
        assert_eq!(network.code(), "network");
    }

    #[test]
    fn one_line_strips_control_characters() {
        assert_eq!(one_line("a\nb\x1b[31m", 100), "a b [31m");
        assert_eq!(one_line("abcdef", 3), "abc…");
    }
}
