//! Machines on stdout: JSON in the API's own shape, or tables for people.
//!
//! Times are shown as Unix milliseconds in UTC, as every Backend API time;
//! text from the server is stripped of control characters.

use crate::args::OutputFormat;
use crate::datetime::format_utc_millis;
use crate::exit::{one_line, Failure};
use crate::output::{columns, json, page_footer};
use clerk_m2m_types::{
    DeletedMachine, DeletedMachineScope, Machine, MachineList, MachineScope, MachineSecretKey,
};

/// One machine; its secret key is printed only if set (only `create` leaves it set).
pub(super) fn machine(machine: &Machine, format: OutputFormat) -> Result<String, Failure> {
    match format {
        OutputFormat::Json => json(machine),
        OutputFormat::Table => Ok(machine_table(machine)),
    }
}

/// A page of machines; `offset` (the one asked for) numbers the footer.
pub(super) fn machine_list(
    list: &MachineList,
    format: OutputFormat,
    offset: u64,
) -> Result<String, Failure> {
    match format {
        OutputFormat::Json => json(list),
        OutputFormat::Table => Ok(list_table(list, offset)),
    }
}

/// The answer to `delete`.
pub(super) fn deleted_machine(
    deleted: &DeletedMachine,
    format: OutputFormat,
) -> Result<String, Failure> {
    match format {
        OutputFormat::Json => json(deleted),
        OutputFormat::Table => Ok(format!("deleted machine {}\n", one_line(&deleted.id, 100))),
    }
}

/// A secret key of machine `machine_id`: read, or new after a rotation with
/// the grace period `previous_ttl` of the old one.
pub(super) fn secret_key(
    machine_id: &str,
    key: &MachineSecretKey,
    previous_ttl: Option<u64>,
    format: OutputFormat,
) -> Result<String, Failure> {
    if format == OutputFormat::Json {
        return json(key);
    }
    let mut rows = vec![
        ("machine", machine_id.to_owned()),
        (
            "secret key",
            one_line(key.secret.expose_secret(), usize::MAX),
        ),
    ];
    match previous_ttl {
        Some(0) => rows.push(("previous key", "stopped working".to_owned())),
        Some(seconds) => rows.push(("previous key", format!("keeps working for {seconds} s"))),
        None => {}
    }
    Ok(rows_text(&rows))
}

/// The answer to `add-scope`.
pub(super) fn scope_added(scope: &MachineScope, format: OutputFormat) -> Result<String, Failure> {
    match format {
        OutputFormat::Json => json(scope),
        OutputFormat::Table => Ok(format!(
            "{} may now call {}: tokens it creates from now on carry this scope\n",
            one_line(&scope.from_machine_id, 100),
            one_line(&scope.to_machine_id, 100)
        )),
    }
}

/// The answer to `remove-scope`.
pub(super) fn scope_removed(
    removed: &DeletedMachineScope,
    format: OutputFormat,
) -> Result<String, Failure> {
    match format {
        OutputFormat::Json => json(removed),
        OutputFormat::Table => Ok(format!(
            "{} may no longer call {}: tokens it creates from now on lack this scope\n",
            one_line(&removed.from_machine_id, 100),
            one_line(&removed.to_machine_id, 100)
        )),
    }
}

fn token_ttl(ttl: Option<u64>) -> String {
    ttl.map_or_else(|| "-".to_owned(), |seconds| format!("{seconds} s"))
}

fn machine_table(machine: &Machine) -> String {
    let scoped: Vec<String> = machine
        .scoped_machines
        .iter()
        .map(|other| {
            format!(
                "{} ({})",
                one_line(&other.name, 100),
                one_line(&other.id, 100)
            )
        })
        .collect();
    let mut rows = vec![
        ("id", one_line(&machine.id, 100)),
        ("name", one_line(&machine.name, 300)),
        ("instance", one_line(&machine.instance_id, 100)),
        ("token ttl", token_ttl(machine.default_token_ttl)),
        (
            "may call",
            if scoped.is_empty() {
                "-".to_owned()
            } else {
                scoped.join(&format!("\n{:12}", ""))
            },
        ),
        ("created", format_utc_millis(machine.created_at)),
        ("updated", format_utc_millis(machine.updated_at)),
    ];
    if let Some(key) = &machine.secret_key {
        rows.push(("secret key", one_line(key.expose_secret(), usize::MAX)));
    }
    rows_text(&rows)
}

/// `label  value` lines, labels padded to one width (at least 10, as the
/// token tables).
fn rows_text(rows: &[(&str, String)]) -> String {
    let width = rows
        .iter()
        .map(|(label, _)| label.chars().count())
        .fold(10, usize::max);
    let mut out = String::new();
    for (label, value) in rows {
        out.push_str(&format!("{label:<width$}  {value}\n"));
    }
    out
}

fn list_table(list: &MachineList, offset: u64) -> String {
    let header = ["ID", "NAME", "TOKEN TTL", "MAY CALL", "CREATED"].map(str::to_owned);
    let rows: Vec<[String; 5]> = list
        .machines
        .iter()
        .map(|machine| {
            [
                one_line(&machine.id, 100),
                one_line(&machine.name, 60),
                token_ttl(machine.default_token_ttl),
                machine.scoped_machines.len().to_string(),
                format_utc_millis(machine.created_at),
            ]
        })
        .collect();
    let mut out = columns(&header, &rows);
    out.push_str(&page_footer(
        list.machines.len(),
        list.total_count,
        offset,
        ("machine", "machines"),
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use clerk_m2m_types::SecretString;

    fn sample() -> Machine {
        let mut machine = Machine::new(
            "mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk",
            "billing\x1b[2Jworker",
            "ins_2abcdefghijklmnopqrstuvwxyz",
            1_716_879_600_000,
        );
        machine.default_token_ttl = Some(7200);
        let mut api = Machine::new(
            "mch_2yGkLpQ7Y3rXSwtU24CzTk9I7Em",
            "billing-api",
            "ins_2abcdefghijklmnopqrstuvwxyz",
            1,
        );
        machine.scoped_machines.push(api.to_scoped());
        api.id = "mch_2zHlMqR8Z4sYTxuV35DaUl0J8Fn".into();
        api.name = "ledger".into();
        machine.scoped_machines.push(api.to_scoped());
        machine
    }

    #[test]
    fn machine_table_lists_scopes_and_the_key_only_when_set() {
        let text = machine(&sample(), OutputFormat::Table).unwrap();
        assert!(text.contains("name        billing [2Jworker\n"), "{text}");
        assert!(text.contains("token ttl   7200 s\n"), "{text}");
        assert!(
            text.contains("may call    billing-api (mch_2yGkLpQ7Y3rXSwtU24CzTk9I7Em)\n            ledger (mch_2zHlMqR8Z4sYTxuV35DaUl0J8Fn)\n"),
            "{text}"
        );
        assert!(
            text.contains("created     2024-05-28 07:00:00 UTC"),
            "{text}"
        );
        assert!(!text.contains("secret key"), "{text}");
        let mut created = sample();
        created.secret_key = Some(SecretString::new("ak_test_value"));
        let text = machine(&created, OutputFormat::Table).unwrap();
        assert!(text.ends_with("secret key  ak_test_value\n"), "{text}");
    }

    #[test]
    fn json_is_the_api_shape() {
        let text = machine(&sample(), OutputFormat::Json).unwrap();
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["object"], "machine");
        assert_eq!(value["scoped_machines"][1]["name"], "ledger");
        assert!(value["scoped_machines"][0].get("scoped_machines").is_none());
        let list = MachineList::new(vec![sample()], 4);
        let value: serde_json::Value =
            serde_json::from_str(&machine_list(&list, OutputFormat::Json, 0).unwrap()).unwrap();
        assert_eq!(value["total_count"], 4);
        assert_eq!(value["data"][0]["id"], "mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk");
        let key = MachineSecretKey::new("ak_test_value");
        let value: serde_json::Value =
            serde_json::from_str(&secret_key("mch_x", &key, Some(5), OutputFormat::Json).unwrap())
                .unwrap();
        assert_eq!(
            value,
            serde_json::json!({"object": "machine_secret_key", "secret": "ak_test_value"})
        );
    }

    #[test]
    fn list_table_has_aligned_columns_and_a_footer() {
        let mut other = sample();
        other.default_token_ttl = None;
        other.scoped_machines.clear();
        let list = MachineList::new(vec![sample(), other], 12);
        let text = machine_list(&list, OutputFormat::Table, 10).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("ID  "), "{text}");
        assert_eq!(
            lines[0].find("TOKEN TTL"),
            lines[1].find("7200 s"),
            "{text}"
        );
        let may_call = lines[0].find("MAY CALL").unwrap();
        assert!(lines[1][may_call..].starts_with("2 "), "{text}");
        assert_eq!(lines[0].find("TOKEN TTL"), lines[2].find('-'), "{text}");
        assert_eq!(lines[3], "11–12 of 12 machines");
        let empty = MachineList::new(vec![], 1);
        assert_eq!(
            machine_list(&empty, OutputFormat::Table, 0).unwrap(),
            "no machines on this page (1 machine match)\n"
        );
    }

    #[test]
    fn key_tables_say_what_happened_to_the_previous_key() {
        let key = MachineSecretKey::new("ak_test_value");
        let read = secret_key("mch_x", &key, None, OutputFormat::Table).unwrap();
        assert_eq!(read, "machine     mch_x\nsecret key  ak_test_value\n");
        let rotated = secret_key("mch_x", &key, Some(3600), OutputFormat::Table).unwrap();
        assert_eq!(
            rotated,
            "machine       mch_x\nsecret key    ak_test_value\nprevious key  keeps working for 3600 s\n"
        );
        let at_once = secret_key("mch_x", &key, Some(0), OutputFormat::Table).unwrap();
        assert!(at_once.contains("stopped working"), "{at_once}");
    }
}
