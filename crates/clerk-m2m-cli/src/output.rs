//! What goes to stdout: tokens and token lists as a table or as JSON.
//!
//! JSON is the API's own snake_case token object (the types crate's
//! [`M2mToken`] serializes that shape), and `{"data": […], "total_count": N}`
//! for a list. Tables are for people: times in UTC, text from the server
//! stripped of control characters.

use crate::args::OutputFormat;
use crate::datetime::format_utc_millis;
use crate::exit::{one_line, Exit, Failure};
use clerk_m2m_types::{M2mToken, M2mTokenList};

/// A token as `format` prints it, ending with a newline. The token value is
/// printed only if `token.token` is set (only `create` leaves it set).
pub fn token(token: &M2mToken, format: OutputFormat) -> Result<String, Failure> {
    match format {
        OutputFormat::Json => json(token),
        OutputFormat::Table => Ok(token_table(token)),
    }
}

/// A page of tokens as `format` prints it, ending with a newline. `offset`
/// is the one asked for, to number the page in the table footer.
pub fn token_list(
    list: &M2mTokenList,
    format: OutputFormat,
    offset: u64,
) -> Result<String, Failure> {
    match format {
        OutputFormat::Json => json(&serde_json::json!({
            "data": list.tokens,
            "total_count": list.total_count,
        })),
        OutputFormat::Table => Ok(list_table(list, offset)),
    }
}

pub(crate) fn json<T: serde::Serialize + ?Sized>(value: &T) -> Result<String, Failure> {
    serde_json::to_string_pretty(value)
        .map(|text| text + "\n")
        .map_err(|error| Failure::new(Exit::Failure, format!("could not write JSON: {error}")))
}

/// `active`, `expired`, `revoked` or `revoked, expired`, with the reason.
fn status(token: &M2mToken) -> String {
    let mut status = match (token.revoked, token.expired) {
        (false, false) => "active".to_owned(),
        (false, true) => "expired".to_owned(),
        (true, false) => "revoked".to_owned(),
        (true, true) => "revoked, expired".to_owned(),
    };
    if let Some(reason) = token.revocation_reason.as_deref().filter(|r| !r.is_empty()) {
        status.push_str(&format!(" ({})", one_line(reason, 100)));
    }
    status
}

fn expires(token: &M2mToken) -> String {
    token
        .expiration
        .map_or_else(|| "never".to_owned(), format_utc_millis)
}

fn claims(token: &M2mToken, max: usize) -> String {
    match &token.claims {
        None | Some(serde_json::Value::Null) => "-".to_owned(),
        Some(claims) => one_line(&claims.to_string(), max),
    }
}

fn token_table(token: &M2mToken) -> String {
    let scopes = if token.scopes.is_empty() {
        "-".to_owned()
    } else {
        one_line(&token.scopes.join(", "), 500)
    };
    let mut rows = vec![
        ("id", one_line(&token.id, 100)),
        ("subject", one_line(&token.subject, 100)),
        ("status", status(token)),
        ("scopes", scopes),
        ("claims", claims(token, 500)),
        ("expires", expires(token)),
        (
            "last used",
            token
                .last_used_at
                .map_or_else(|| "never".to_owned(), format_utc_millis),
        ),
        ("created", format_utc_millis(token.created_at)),
        ("updated", format_utc_millis(token.updated_at)),
    ];
    if let Some(value) = &token.token {
        rows.push(("token", one_line(value.expose_secret(), usize::MAX)));
    }
    let mut out = String::new();
    for (label, value) in rows {
        out.push_str(&format!("{label:<10}  {value}\n"));
    }
    out
}

fn list_table(list: &M2mTokenList, offset: u64) -> String {
    let header = ["ID", "STATUS", "EXPIRES", "CREATED", "CLAIMS"].map(str::to_owned);
    let rows: Vec<[String; 5]> = list
        .tokens
        .iter()
        .map(|token| {
            [
                one_line(&token.id, 100),
                status(token),
                expires(token),
                format_utc_millis(token.created_at),
                claims(token, 60),
            ]
        })
        .collect();
    let mut out = columns(&header, &rows);
    out.push_str(&page_footer(
        list.tokens.len(),
        list.total_count,
        offset,
        ("token", "tokens"),
    ));
    out
}

/// Rows under a header, each column padded to its widest cell, two spaces
/// apart; nothing at all when there are no rows.
pub(crate) fn columns<const N: usize>(header: &[String; N], rows: &[[String; N]]) -> String {
    let mut widths = header.clone().map(|cell| cell.chars().count());
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    if !rows.is_empty() {
        for row in std::iter::once(header).chain(rows) {
            let line: Vec<String> = row
                .iter()
                .zip(widths)
                .map(|(cell, width)| format!("{cell:<width$}"))
                .collect();
            out.push_str(line.join("  ").trim_end());
            out.push('\n');
        }
    }
    out
}

/// The line under a page of `shown` items out of `total`, starting after
/// `offset`; `noun` is (singular, plural).
pub(crate) fn page_footer(shown: usize, total: u64, offset: u64, noun: (&str, &str)) -> String {
    let shown = shown as u64;
    let (singular, plural) = noun;
    let noun = if total == 1 { singular } else { plural };
    if shown == 0 {
        format!("no {plural} on this page ({total} {noun} match)\n")
    } else {
        format!(
            "{}–{} of {total} {noun}\n",
            offset.saturating_add(1),
            offset.saturating_add(shown)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clerk_m2m_types::SecretString;

    fn sample() -> M2mToken {
        let mut token = M2mToken::new(
            "mt_f7f0ba8c3b4843ce7d85fcdd5e71853e",
            "mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk",
            1_716_879_600_000,
        );
        token.claims = Some(serde_json::json!({"role": "reader"}));
        token.expiration = Some(1_716_883_200_000);
        token.scopes = vec!["mch_2yGkLpQ7Y3rXSwtU24CzTk9I7Em".into()];
        token
    }

    #[test]
    fn json_is_the_api_shape() {
        let mut token = sample();
        token.token = Some(SecretString::new("mt_value"));
        let text = super::token(&token, OutputFormat::Json).unwrap();
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["object"], "machine_to_machine_token");
        assert_eq!(value["token"], "mt_value");
        assert!(value["revocation_reason"].is_null());
        let list = M2mTokenList::new(vec![sample()], 7);
        let text = token_list(&list, OutputFormat::Json, 0).unwrap();
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["total_count"], 7);
        assert_eq!(
            value["data"][0]["id"],
            "mt_f7f0ba8c3b4843ce7d85fcdd5e71853e"
        );
        assert!(value.get("m2m_tokens").is_none());
    }

    #[test]
    fn table_shows_times_status_and_no_value_unless_set() {
        let mut token = sample();
        token.revoked = true;
        token.revocation_reason = Some("leaked\x1b[2J".into());
        let text = super::token(&token, OutputFormat::Table).unwrap();
        assert!(text.contains("status      revoked (leaked [2J)"), "{text}");
        assert!(
            text.contains("expires     2024-05-28 08:00:00 UTC"),
            "{text}"
        );
        assert!(text.contains(r#"claims      {"role":"reader"}"#), "{text}");
        assert!(!text.contains("token "), "{text}");
        token.token = Some(SecretString::new("mt_value"));
        let text = super::token(&token, OutputFormat::Table).unwrap();
        assert!(text.ends_with("token       mt_value\n"), "{text}");
    }

    #[test]
    fn list_table_has_aligned_columns_and_a_footer() {
        let mut never = sample();
        never.expiration = None;
        never.claims = None;
        let list = M2mTokenList::new(vec![sample(), never], 12);
        let text = token_list(&list, OutputFormat::Table, 10).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("ID  "), "{text}");
        assert_eq!(lines[0].find("STATUS"), lines[1].find("active"), "{text}");
        assert!(lines[2].contains("never"), "{text}");
        assert_eq!(lines[3], "11–12 of 12 tokens");
        let one = M2mTokenList::new(vec![sample()], 1);
        assert!(token_list(&one, OutputFormat::Table, u64::MAX)
            .unwrap()
            .ends_with(&format!("{0}–{0} of 1 token\n", u64::MAX)));
        let empty = M2mTokenList::new(vec![], 0);
        assert_eq!(
            token_list(&empty, OutputFormat::Table, 0).unwrap(),
            "no tokens on this page (0 tokens match)\n"
        );
    }
}
