//! What the four M2M operations and the JWKS do, independent of HTTP.
//!
//! Handlers authenticate and parse; this module decides. Time comes from the
//! emulator's clock; the token store's lock is held only for in-memory work
//! (JWT signing happens outside it).

use crate::api_error::ApiFailure;
use crate::app_state::AppState;
use crate::auth::Caller;
use crate::instance::Machine;
use crate::jwt::{self, REGISTERED_CLAIMS};
use crate::params::{CreateRequest, Expiry, ListQuery, MAX_SECONDS};
use clerk_m2m_types::{is_token_id, M2mToken, M2mTokenList, SecretString, TokenFormat};
use http::StatusCode;
use serde_json::{Map, Value};

fn token_not_found() -> ApiFailure {
    ApiFailure::not_found("M2M token not found.")
}

fn machine_deleted() -> ApiFailure {
    ApiFailure::not_found("The M2M token's machine has been deleted.")
}

impl AppState {
    /// `POST /m2m_tokens` as `machine`.
    pub(crate) fn create(
        &self,
        machine: &Machine,
        request: CreateRequest,
    ) -> Result<M2mToken, ApiFailure> {
        let now = self.clock.now_ms();
        let default_seconds =
            i64::try_from(machine.default_token_ttl().as_secs().max(1)).unwrap_or(MAX_SECONDS);
        match request.format {
            TokenFormat::Jwt => {
                let lifetime = match request.expiry {
                    Expiry::Seconds(seconds) => seconds,
                    Expiry::MachineDefault | Expiry::Never => default_seconds,
                };
                self.create_jwt(machine, request.claims, lifetime, now)
            }
            TokenFormat::Opaque => {
                let lifetime = match request.expiry {
                    Expiry::Seconds(seconds) => Some(seconds),
                    Expiry::MachineDefault => Some(default_seconds),
                    Expiry::Never => None,
                };
                if let (Some(min), Some(lifetime)) = (request.min_remaining_ttl_seconds, lifetime) {
                    if min >= lifetime {
                        return Err(ApiFailure::param_value(
                            StatusCode::BAD_REQUEST,
                            "min_remaining_ttl_seconds",
                            format!(
                                "min_remaining_ttl_seconds ({min}) must be less than the token's \
                                 lifetime ({lifetime} seconds): no new token could satisfy it."
                            ),
                        ));
                    }
                }
                let claims = request.claims.map(Value::Object);
                let expiration =
                    lifetime.map(|seconds| now.saturating_add(seconds.saturating_mul(1000)));
                let mut tokens = self.tokens.lock();
                if let Some(min) = request.min_remaining_ttl_seconds {
                    let min_ms = min.saturating_mul(1000);
                    let reusable = tokens.newest_first(machine.id()).find(|record| {
                        !record.token.revoked
                            && record.token.claims == claims
                            && record.token.scopes == machine.scopes()
                            && record
                                .token
                                .expiration
                                // Strictly more than the minimum left: a token
                                // expiring right now is never handed out again.
                                .is_none_or(|expiration| expiration.saturating_sub(now) > min_ms)
                    });
                    if let Some(record) = reusable {
                        let mut token = record.snapshot(now);
                        token.token = Some(SecretString::new(record.value.clone()));
                        return Ok(token);
                    }
                }
                let (id, value) = loop {
                    let id = crate::ids::token_id();
                    let value = crate::ids::opaque_token_value();
                    if !tokens.is_taken(&id, &value) {
                        break (id, value);
                    }
                };
                let mut token = M2mToken::new(id, machine.id(), now);
                token.scopes = machine.scopes().to_vec();
                token.claims = claims;
                token.expiration = expiration;
                tokens.insert(token.clone(), value.clone());
                drop(tokens);
                token.token = Some(SecretString::new(value));
                Ok(token)
            }
            _ => Err(ApiFailure::param_value(
                StatusCode::UNPROCESSABLE_ENTITY,
                "token_format",
                "token_format must be one of: opaque, jwt.",
            )),
        }
    }

    fn create_jwt(
        &self,
        machine: &Machine,
        claims: Option<Map<String, Value>>,
        lifetime_seconds: i64,
        now: i64,
    ) -> Result<M2mToken, ApiFailure> {
        if let Some(claims) = &claims {
            if let Some(name) = REGISTERED_CLAIMS
                .iter()
                .find(|name| claims.contains_key(**name))
            {
                return Err(ApiFailure::param_value(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "claims",
                    format!(
                        "claims may not contain `{name}`: iss, sub, iat, nbf, exp and jti are set by Clerk."
                    ),
                ));
            }
        }
        let iat = now.div_euclid(1000);
        let exp = iat.saturating_add(lifetime_seconds);
        let jti = crate::ids::token_id();
        let payload = jwt::Payload {
            iss: &self.instance.issuer,
            sub: machine.id(),
            iat,
            nbf: iat,
            exp,
            jti: &jti,
            claims: claims.as_ref(),
        };
        let jwt = jwt::encode(&self.instance.signing_key, &self.instance.id, &payload)
            .map_err(|error| ApiFailure::internal(error.to_string()))?;
        self.tokens
            .lock()
            .remember_jwt_scopes(&jti, machine.scopes().to_vec());
        let mut token = M2mToken::new(jti, machine.id(), now);
        token.scopes = machine.scopes().to_vec();
        token.claims = claims.map(Value::Object);
        token.expiration = Some(exp.saturating_mul(1000));
        token.token = Some(SecretString::new(jwt));
        Ok(token)
    }

    /// `GET /m2m_tokens`.
    pub(crate) fn list(
        &self,
        caller: &Caller,
        query: &ListQuery,
    ) -> Result<M2mTokenList, ApiFailure> {
        match caller {
            Caller::Machine(machine) if machine.id() != query.subject => {
                return Err(ApiFailure::forbidden(
                    "A machine secret key can list only its own machine's tokens: \
                     subject must be the calling machine's id.",
                ))
            }
            Caller::Instance if self.machines.get(&query.subject).is_none() => {
                return Err(ApiFailure::not_found(format!(
                    "No machine {} exists in this instance.",
                    query.subject
                )))
            }
            _ => {}
        }
        let now = self.clock.now_ms();
        let tokens = self.tokens.lock();
        let mut total: u64 = 0;
        let mut page = Vec::with_capacity(query.limit.min(100));
        for record in tokens.newest_first(&query.subject) {
            if record.token.revoked != query.revoked || record.is_expired(now) != query.expired {
                continue;
            }
            let position = usize::try_from(total).unwrap_or(usize::MAX);
            if position >= query.offset && page.len() < query.limit {
                page.push(record.snapshot(now));
            }
            total += 1;
        }
        Ok(M2mTokenList::new(page, total))
    }

    /// `POST /m2m_tokens/{id}/revoke`.
    pub(crate) fn revoke(
        &self,
        caller: &Caller,
        id: &str,
        reason: Option<String>,
    ) -> Result<M2mToken, ApiFailure> {
        if !is_token_id(id) {
            return Err(ApiFailure::param_format(
                StatusCode::BAD_REQUEST,
                "m2m_token_id",
                "an M2M token id (mt_ followed by 32 hex digits)",
            ));
        }
        let now = self.clock.now_ms();
        let mut tokens = self.tokens.lock();
        let record = tokens.by_id_mut(id).ok_or_else(token_not_found)?;
        if let Caller::Machine(machine) = caller {
            if record.token.subject != machine.id() {
                return Err(token_not_found());
            }
        }
        if !record.token.revoked {
            record.token.revoked = true;
            record.token.revocation_reason = reason;
            record.token.updated_at = now;
        }
        Ok(record.snapshot(now))
    }

    /// `POST /m2m_tokens/verify`.
    pub(crate) fn verify(&self, caller: &Caller, token: &str) -> Result<M2mToken, ApiFailure> {
        let now = self.clock.now_ms();
        if jwt::looks_like_jwt(token) {
            return self.verify_jwt(caller, token, now);
        }
        let mut tokens = self.tokens.lock();
        let record = tokens.by_value_mut(token).ok_or_else(token_not_found)?;
        if let Caller::Machine(machine) = caller {
            if !record.token.has_scope(machine.id()) {
                return Err(token_not_found());
            }
        }
        if record.token.revoked {
            return Err(ApiFailure::not_found("The M2M token has been revoked."));
        }
        // Lock order: tokens, then machines (nothing takes them the other way).
        if self.machines.lock().by_id(&record.token.subject).is_none() {
            return Err(machine_deleted());
        }
        if record.is_expired(now) {
            return Err(ApiFailure::not_found("The M2M token has expired."));
        }
        record.token.last_used_at = Some(now);
        Ok(record.snapshot(now))
    }

    fn verify_jwt(&self, caller: &Caller, token: &str, now: i64) -> Result<M2mToken, ApiFailure> {
        let instance = &self.instance;
        let payload = jwt::verify(&instance.signing_key, &instance.id, token, now)
            .map_err(|rejection| ApiFailure::not_found(rejection.describe()))?;
        let sub = payload.get("sub").and_then(Value::as_str).ok_or_else(|| {
            ApiFailure::not_found("The JWT's subject is not a machine of this instance.")
        })?;
        let subject = self.machines.get(sub).ok_or_else(|| {
            if self.instance.machine_by_id(sub).is_some() {
                machine_deleted()
            } else {
                ApiFailure::not_found("The JWT's subject is not a machine of this instance.")
            }
        })?;
        let jti = payload
            .get("jti")
            .and_then(Value::as_str)
            .filter(|jti| is_token_id(jti))
            .ok_or_else(|| ApiFailure::not_found("The JWT has no valid `jti` claim."))?;
        // The scopes the machine had when the JWT was created (its current
        // ones for a JWT this emulator run did not create).
        let scopes = self
            .tokens
            .lock()
            .jwt_scopes(jti)
            .map_or_else(|| subject.scopes().to_vec(), <[String]>::to_vec);
        if let Caller::Machine(machine) = caller {
            if !scopes.iter().any(|scope| scope == machine.id()) {
                return Err(token_not_found());
            }
        }
        let seconds = |name| {
            jwt::numeric_claim(&payload, name)
                .map_err(|rejection| ApiFailure::not_found(rejection.describe()))
        };
        let exp = seconds("exp")?.unwrap_or_default();
        let iat = seconds("iat")?.unwrap_or(now.div_euclid(1000));
        let claims: Map<String, Value> = payload
            .iter()
            .filter(|(name, _)| !REGISTERED_CLAIMS.contains(&name.as_str()))
            .map(|(name, value)| (name.clone(), value.clone()))
            .collect();
        let mut verified = M2mToken::new(jti, subject.id(), iat.saturating_mul(1000));
        verified.scopes = scopes;
        verified.claims = (!claims.is_empty()).then_some(Value::Object(claims));
        verified.expiration = Some(exp.saturating_mul(1000));
        Ok(verified)
    }

    /// `GET /v1/jwks` (the route admits only the instance key).
    pub(crate) fn jwks(&self) -> Value {
        let jwk = self.instance.signing_key.jwk(&self.instance.id);
        serde_json::json!({ "keys": [jwk.to_json()] })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::Clock;
    use crate::instance::{Instance, InstanceSpec, MachineConfig, DEFAULT_TOKEN_TTL};
    use crate::signing::tests::shared_key;
    use std::time::{Duration, UNIX_EPOCH};

    fn backend() -> AppState {
        let instance = Instance::resolve(InstanceSpec {
            id: None,
            secret_key: None,
            machines: vec![
                MachineConfig::new("a").scope("b"),
                MachineConfig::new("b").scope("a"),
                MachineConfig::new("c"),
            ],
            default_token_ttl: DEFAULT_TOKEN_TTL,
            signing_key: shared_key(),
            issuer: "http://127.0.0.1:1".into(),
            from_state: false,
        })
        .unwrap();
        let clock = Clock::default();
        clock.set_time(UNIX_EPOCH + Duration::from_secs(1_700_000_000));
        clock.freeze();
        AppState::new(instance, clock, Default::default(), Default::default())
    }

    fn machine(backend: &AppState, index: usize) -> Machine {
        backend.instance.machines[index].clone()
    }

    fn opaque(expiry: Expiry, claims: Option<Value>, min: Option<i64>) -> CreateRequest {
        CreateRequest {
            format: TokenFormat::Opaque,
            expiry,
            claims: claims.and_then(|claims| match claims {
                Value::Object(map) => Some(map),
                _ => None,
            }),
            min_remaining_ttl_seconds: min,
        }
    }

    fn query(subject: &str, revoked: bool, expired: bool) -> ListQuery {
        ListQuery {
            subject: subject.into(),
            revoked,
            expired,
            limit: 100,
            offset: 0,
        }
    }

    #[test]
    fn absent_null_and_explicit_expiry() {
        let backend = backend();
        let now = backend.clock.now_ms();
        let absent = backend
            .create(
                &machine(&backend, 0),
                opaque(Expiry::MachineDefault, None, None),
            )
            .unwrap();
        assert_eq!(absent.expiration, Some(now + 3_600_000));
        let never = backend
            .create(&machine(&backend, 0), opaque(Expiry::Never, None, None))
            .unwrap();
        assert_eq!(never.expiration, None);
        let explicit = backend
            .create(
                &machine(&backend, 0),
                opaque(Expiry::Seconds(60), None, None),
            )
            .unwrap();
        assert_eq!(explicit.expiration, Some(now + 60_000));
    }

    #[test]
    fn reuse_requires_identical_claims_and_enough_time() {
        let backend = backend();
        let claims = Some(serde_json::json!({"role": "reader"}));
        let first = backend
            .create(
                &machine(&backend, 0),
                opaque(Expiry::Seconds(100), claims.clone(), Some(30)),
            )
            .unwrap();
        let again = backend
            .create(
                &machine(&backend, 0),
                opaque(Expiry::Seconds(100), claims.clone(), Some(30)),
            )
            .unwrap();
        assert_eq!(first.id, again.id);
        assert_eq!(first.token, again.token);
        let other_claims = backend
            .create(
                &machine(&backend, 0),
                opaque(Expiry::Seconds(100), None, Some(30)),
            )
            .unwrap();
        assert_ne!(other_claims.id, first.id);
        backend.clock.advance(Duration::from_secs(71));
        let fresh = backend
            .create(
                &machine(&backend, 0),
                opaque(Expiry::Seconds(100), claims.clone(), Some(30)),
            )
            .unwrap();
        assert_ne!(fresh.id, first.id);
        let too_long = backend
            .create(
                &machine(&backend, 0),
                opaque(Expiry::Seconds(100), claims, Some(100)),
            )
            .unwrap_err();
        assert_eq!(too_long.status, StatusCode::BAD_REQUEST);
        let default_too_short = backend
            .create(
                &machine(&backend, 0),
                opaque(Expiry::MachineDefault, None, Some(3600)),
            )
            .unwrap_err();
        assert_eq!(default_too_short.status, StatusCode::BAD_REQUEST);
        // Never-expiring: any minimum is satisfiable.
        let never = backend
            .create(
                &machine(&backend, 0),
                opaque(Expiry::Never, None, Some(1_000_000)),
            )
            .unwrap();
        assert_eq!(never.expiration, None);
    }

    #[test]
    fn reuse_needs_more_than_the_minimum_left_and_never_an_expired_token() {
        let backend = backend();
        let a = machine(&backend, 0);
        let reuse = |min| opaque(Expiry::Seconds(100), None, Some(min));
        let first = backend.create(&a, reuse(0)).unwrap();
        // At the exact millisecond of its expiration the token is expired:
        // min 0 must mint a new one, not return it with "expired": true.
        backend.clock.advance(Duration::from_secs(100));
        let at_expiry = backend.create(&a, reuse(0)).unwrap();
        assert_ne!(at_expiry.id, first.id);
        assert!(!at_expiry.expired);
        // Exactly 30 s left with a minimum of 30: not enough.
        backend.clock.advance(Duration::from_secs(70));
        let exactly = backend.create(&a, reuse(30)).unwrap();
        assert_ne!(exactly.id, at_expiry.id);
        // One millisecond more than the minimum: reused.
        backend.clock.advance(Duration::from_millis(69_999));
        let reused = backend.create(&a, reuse(30)).unwrap();
        assert_eq!(reused.id, exactly.id);
        assert!(!reused.expired);
    }

    #[test]
    fn list_filters_select_by_state() {
        let backend = backend();
        let a = backend.instance.machines[0].id().to_owned();
        let live = backend
            .create(
                &machine(&backend, 0),
                opaque(Expiry::Seconds(1000), None, None),
            )
            .unwrap();
        let short = backend
            .create(
                &machine(&backend, 0),
                opaque(Expiry::Seconds(10), None, None),
            )
            .unwrap();
        let revoked = backend
            .create(&machine(&backend, 0), opaque(Expiry::Never, None, None))
            .unwrap();
        backend
            .revoke(&Caller::Instance, &revoked.id, Some("why".into()))
            .unwrap();
        backend.clock.advance(Duration::from_secs(10));
        let ids = |revoked: bool, expired: bool| -> Vec<String> {
            let list = backend
                .list(
                    &Caller::Machine(machine(&backend, 0)),
                    &query(&a, revoked, expired),
                )
                .unwrap();
            assert_eq!(list.total_count as usize, list.tokens.len());
            list.tokens.into_iter().map(|token| token.id).collect()
        };
        assert_eq!(ids(false, false), vec![live.id]);
        assert_eq!(ids(false, true), vec![short.id]);
        assert_eq!(ids(true, false), vec![revoked.id]);
        assert!(ids(true, true).is_empty());
    }

    #[test]
    fn list_authorization() {
        let backend = backend();
        let b = backend.instance.machines[1].id().to_owned();
        let forbidden = backend
            .list(
                &Caller::Machine(machine(&backend, 0)),
                &query(&b, false, false),
            )
            .unwrap_err();
        assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
        let unknown = backend
            .list(
                &Caller::Instance,
                &query("mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk", false, false),
            )
            .unwrap_err();
        assert_eq!(unknown.status, StatusCode::NOT_FOUND);
        assert!(backend
            .list(&Caller::Instance, &query(&b, false, false))
            .is_ok());
    }

    #[test]
    fn revoke_is_idempotent_and_scoped_to_the_owner() {
        let backend = backend();
        let token = backend
            .create(&machine(&backend, 0), opaque(Expiry::Never, None, None))
            .unwrap();
        let other = backend
            .revoke(&Caller::Machine(machine(&backend, 1)), &token.id, None)
            .unwrap_err();
        assert_eq!(other.status, StatusCode::NOT_FOUND);
        let first = backend
            .revoke(
                &Caller::Machine(machine(&backend, 0)),
                &token.id,
                Some("first".into()),
            )
            .unwrap();
        backend.clock.advance(Duration::from_secs(5));
        let second = backend
            .revoke(&Caller::Instance, &token.id, Some("second".into()))
            .unwrap();
        assert_eq!(first, second);
        assert_eq!(second.revocation_reason.as_deref(), Some("first"));
        let bad = backend
            .revoke(&Caller::Instance, "mt_not_an_id", None)
            .unwrap_err();
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    }

    #[test]
    fn verify_checks_scope_state_and_records_use() {
        let backend = backend();
        let created = backend
            .create(
                &machine(&backend, 0),
                opaque(Expiry::Seconds(60), None, None),
            )
            .unwrap();
        let value = created.token.clone().unwrap();
        let value = value.expose_secret();
        // c is not in a's scopes; a itself is not either.
        for caller in [
            Caller::Machine(machine(&backend, 2)),
            Caller::Machine(machine(&backend, 0)),
        ] {
            let error = backend.verify(&caller, value).unwrap_err();
            assert_eq!(error.status, StatusCode::NOT_FOUND);
        }
        let verified = backend
            .verify(&Caller::Machine(machine(&backend, 1)), value)
            .unwrap();
        assert_eq!(verified.last_used_at, Some(backend.clock.now_ms()));
        assert!(verified.token.is_none());
        backend.verify(&Caller::Instance, value).unwrap();
        backend.clock.advance(Duration::from_secs(60));
        let expired = backend.verify(&Caller::Instance, value).unwrap_err();
        assert_eq!(
            expired.detail.long_message.as_deref(),
            Some("The M2M token has expired.")
        );
        assert_eq!(
            backend
                .verify(&Caller::Instance, &created.id)
                .unwrap_err()
                .status,
            StatusCode::NOT_FOUND
        );
    }

    #[test]
    fn jwt_create_and_verify() {
        let backend = backend();
        let request = CreateRequest {
            format: TokenFormat::Jwt,
            expiry: Expiry::Never,
            claims: serde_json::from_value(serde_json::json!({"scopes": "x", "aud": ["y"]}))
                .unwrap(),
            min_remaining_ttl_seconds: Some(5),
        };
        let created = backend.create(&machine(&backend, 0), request).unwrap();
        let now = backend.clock.now_ms();
        assert_eq!(created.expiration, Some((now / 1000 + 3600) * 1000));
        let jwt = created.token.clone().unwrap();
        let verified = backend
            .verify(&Caller::Machine(machine(&backend, 1)), jwt.expose_secret())
            .unwrap();
        assert_eq!(verified.id, created.id);
        assert_eq!(
            verified.claims,
            Some(serde_json::json!({"scopes": "x", "aud": ["y"]}))
        );
        assert_eq!(
            backend
                .verify(&Caller::Machine(machine(&backend, 2)), jwt.expose_secret())
                .unwrap_err()
                .status,
            StatusCode::NOT_FOUND
        );
        // Not stored: not listed, not revocable.
        let a = backend.instance.machines[0].id().to_owned();
        assert_eq!(
            backend
                .list(&Caller::Instance, &query(&a, false, false))
                .unwrap()
                .total_count,
            0
        );
        assert_eq!(
            backend
                .revoke(&Caller::Instance, &created.id, None)
                .unwrap_err()
                .status,
            StatusCode::NOT_FOUND
        );
        backend.clock.advance(Duration::from_secs(3600));
        assert!(backend
            .verify(&Caller::Instance, jwt.expose_secret())
            .is_err());
        let reserved = CreateRequest {
            format: TokenFormat::Jwt,
            expiry: Expiry::Seconds(60),
            claims: serde_json::from_value(serde_json::json!({"sub": "x"})).unwrap(),
            min_remaining_ttl_seconds: None,
        };
        assert_eq!(
            backend
                .create(&machine(&backend, 0), reserved)
                .unwrap_err()
                .status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
    }

    #[test]
    fn jwks_lists_the_signing_key_under_the_instance_id() {
        let backend = backend();
        let jwks = backend.jwks();
        assert_eq!(jwks["keys"][0]["kid"], backend.instance.id.as_str());
    }
}
