//! `clerk-m2m verify`: an M2M JWT locally, anything else through the API.

use crate::args::{GlobalArgs, TokenSource, VerifyArgs};
use crate::client::client;
use crate::exit::{Action, Failure};
use crate::output;
use clerk_m2m_types::jwt::is_m2m_jwt;
use clerk_m2m_types::{is_machine_id, is_token_id, Error, SecretString};
use std::io::Read;

/// The most read from standard input; real tokens are far smaller.
const MAX_STDIN_BYTES: u64 = 64 * 1024;

/// Verifies the token and prints the token object it stands for.
pub(crate) fn verify(
    args: VerifyArgs,
    global: &GlobalArgs,
    stdin: &mut dyn Read,
) -> Result<String, Failure> {
    let token = read_token(args.token.clone(), stdin)?;
    refuse_ids(token.expose_secret())?;
    let with_pem = args.jwt_key().is_some();
    let is_jwt =
        is_m2m_jwt(token.expose_secret()).map_err(|error| Failure::from_jwt(&error, with_pem))?;
    let client = if is_jwt {
        super::jwt::jwt_client(args.jwt_key(), global)?
    } else {
        client(global)?
    };
    let mut verified =
        client
            .verify_token_str(token.expose_secret())
            .map_err(|error| match &error {
                Error::Jwt { source } => Failure::from_jwt(source, with_pem),
                _ => Failure::from_call(Action::Verify, &error, client.config().base_url()),
            })?;
    verified.token = None;
    output::token(&verified, global.output)
}

/// The token from the command line or standard input, surrounding
/// whitespace (a trailing newline) removed.
fn read_token(source: TokenSource, stdin: &mut dyn Read) -> Result<SecretString, Failure> {
    let text = match source {
        TokenSource::Value(token) => return non_empty(token.expose_secret()),
        TokenSource::Stdin => {
            let mut bytes = Vec::new();
            stdin
                .take(MAX_STDIN_BYTES + 1)
                .read_to_end(&mut bytes)
                .map_err(|error| {
                    Failure::usage(format!(
                        "could not read the token from standard input: {error}"
                    ))
                })?;
            if bytes.len() as u64 > MAX_STDIN_BYTES {
                return Err(Failure::usage(format!(
                    "standard input holds more than {MAX_STDIN_BYTES} bytes: not a token"
                )));
            }
            String::from_utf8(bytes)
                .map_err(|_| Failure::usage("standard input is not UTF-8 text: not a token"))?
        }
    };
    non_empty(&text)
}

/// A token id or a machine id where the token belongs: said before any
/// request, as `revoke` says it of a token value. Ids are not secret, and
/// no token value matches either pattern.
fn refuse_ids(token: &str) -> Result<(), Failure> {
    let (what, hint) = if is_token_id(token) {
        (
            "this is a token id (mt_ and 32 hex digits), not a token: verify needs the token value",
            "give the `token` value that `clerk-m2m create` printed, e.g. piped into `clerk-m2m verify -`; \
             to look a token up by its id, use `clerk-m2m list --subject mch_…`",
        )
    } else if is_machine_id(token) {
        (
            "this is a machine id (mch_…), not a token: verify needs the token value",
            "give the `token` value that `clerk-m2m create` printed, e.g. piped into `clerk-m2m verify -`",
        )
    } else {
        return Ok(());
    };
    Err(Failure::usage(what)
        .with_code("not_a_token")
        .with_hint(hint))
}

fn non_empty(token: &str) -> Result<SecretString, Failure> {
    let token = token.trim();
    if token.is_empty() {
        return Err(Failure::usage("no token to verify")
            .with_hint("pass it as an argument, or pipe it in with `clerk-m2m verify -`"));
    }
    Ok(SecretString::new(token))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stdin_is_trimmed_and_bounded() {
        let mut input: &[u8] = b"  mt_abc\n";
        let token = read_token(TokenSource::Stdin, &mut input).unwrap();
        assert_eq!(token.expose_secret(), "mt_abc");
        let mut empty: &[u8] = b"\n";
        assert!(read_token(TokenSource::Stdin, &mut empty).is_err());
        let big = vec![b'a'; 70 * 1024];
        assert!(read_token(TokenSource::Stdin, &mut big.as_slice()).is_err());
        let mut binary: &[u8] = &[0xff, 0xfe];
        assert!(read_token(TokenSource::Stdin, &mut binary).is_err());
    }

    #[test]
    fn ids_are_refused_as_tokens() {
        let id = refuse_ids("mt_0123456789abcdef0123456789abcdef").unwrap_err();
        assert_eq!(id.exit(), crate::exit::Exit::Usage);
        assert!(id.message().contains("token id"), "{id}");
        assert!(id.hint().unwrap().contains("clerk-m2m verify -"), "{id}");
        let machine = refuse_ids("mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk").unwrap_err();
        assert!(machine.message().contains("machine id"), "{machine}");
        // Opaque values (mt_ and more than 32 characters) and JWTs pass.
        refuse_ids("mt_0123456789abcdef0123456789abcdef0123456789").unwrap();
        refuse_ids("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJtY2hfMSJ9.c2ln").unwrap();
    }
}
