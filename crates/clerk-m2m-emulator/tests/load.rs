//! Load: 16 concurrent clients × 500 creates + revokes, then every token is
//! accounted for. The creates/s figures come from `benches/creates.rs`.

mod common;

use common::{emulator, instance_key, Conn};
use serde_json::Value;
use std::collections::HashSet;

const CLIENTS: usize = 16;
const PER_CLIENT: usize = 500;

fn post(conn: &mut Conn, auth: &str, path: &str, body: &str) -> (u16, Value) {
    let reply = conn
        .send(
            "POST",
            path,
            &[
                ("Authorization", auth),
                ("Content-Type", "application/json"),
            ],
            Some(body.as_bytes()),
        )
        .expect("answer");
    let status = reply.status;
    (status, reply.json())
}

#[test]
fn sixteen_clients_create_and_revoke_without_losing_a_token() {
    let emulator = emulator();
    let machines: Vec<(String, String)> = emulator
        .machines()
        .iter()
        .map(|machine| {
            (
                machine.id().to_owned(),
                format!("Bearer {}", machine.secret_key().expose_secret()),
            )
        })
        .collect();
    let addr = emulator.addr();

    // Each client: its own keep-alive connection, alternating machines.
    let per_client: Vec<Vec<(String, String, String)>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..CLIENTS)
            .map(|client| {
                let (subject, auth) = machines[client % machines.len()].clone();
                scope.spawn(move || {
                    let mut conn = Conn::open(addr).expect("connect");
                    let mut made = Vec::with_capacity(PER_CLIENT);
                    for n in 0..PER_CLIENT {
                        let body = format!(
                            r#"{{"seconds_until_expiration":null,"claims":{{"client":{client},"n":{n}}},"token_format":"opaque"}}"#
                        );
                        let (status, token) = post(&mut conn, &auth, "/m2m_tokens", &body);
                        assert_eq!(status, 201, "{token}");
                        assert_eq!(token["subject"], subject.as_str());
                        let id = token["id"].as_str().unwrap().to_owned();
                        let value = token["token"].as_str().unwrap().to_owned();
                        let (status, revoked) = post(
                            &mut conn,
                            &auth,
                            &format!("/m2m_tokens/{id}/revoke"),
                            r#"{"revocation_reason":"load"}"#,
                        );
                        assert_eq!(status, 200, "{revoked}");
                        assert_eq!(revoked["revoked"], true);
                        made.push((subject.clone(), id, value));
                    }
                    made
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|worker| worker.join().expect("client thread"))
            .collect()
    });

    let all: Vec<&(String, String, String)> = per_client.iter().flatten().collect();
    assert_eq!(all.len(), CLIENTS * PER_CLIENT);
    let ids: HashSet<&str> = all.iter().map(|(_, id, _)| id.as_str()).collect();
    let values: HashSet<&str> = all.iter().map(|(_, _, value)| value.as_str()).collect();
    assert_eq!(ids.len(), all.len(), "duplicate ids");
    assert_eq!(values.len(), all.len(), "duplicate token values");
    assert_eq!(emulator.stored_tokens(), all.len());
    // The journal saw every create and revoke, and names each created token.
    let journal = emulator.journal();
    assert_eq!(journal.len(), 2 * all.len());
    let journaled: HashSet<&str> = journal
        .iter()
        .filter_map(|entry| entry.token_id.as_deref())
        .collect();
    assert_eq!(journaled, ids);

    // List totals are exact and paging through them finds every token once.
    let auth = format!("Bearer {}", instance_key(&emulator));
    let mut conn = Conn::open(addr).unwrap();
    for (subject, _) in &machines {
        let expected: HashSet<&str> = all
            .iter()
            .filter(|(owner, _, _)| owner == subject)
            .map(|(_, id, _)| id.as_str())
            .collect();
        let mut seen: Vec<String> = Vec::new();
        let mut offset = 0;
        loop {
            let reply = conn
                .send(
                    "GET",
                    &format!(
                        "/m2m_tokens?subject={subject}&revoked=true&limit=100&offset={offset}"
                    ),
                    &[("Authorization", &auth)],
                    None,
                )
                .unwrap();
            assert_eq!(reply.status, 200);
            let page = reply.json();
            assert_eq!(page["total_count"].as_u64(), Some(expected.len() as u64));
            let tokens = page["m2m_tokens"].as_array().unwrap();
            if tokens.is_empty() {
                break;
            }
            seen.extend(tokens.iter().map(|t| t["id"].as_str().unwrap().to_owned()));
            offset += tokens.len();
        }
        assert_eq!(seen.len(), expected.len());
        let seen_set: HashSet<&str> = seen.iter().map(String::as_str).collect();
        assert_eq!(seen_set, expected);
        let live = conn
            .send(
                "GET",
                &format!("/m2m_tokens?subject={subject}"),
                &[("Authorization", &auth)],
                None,
            )
            .unwrap()
            .json();
        assert_eq!(live["total_count"], 0, "every token was revoked");
    }
}
