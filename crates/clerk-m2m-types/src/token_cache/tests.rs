//! Every transition of the token cache, with a stepped clock.

use super::*;
use crate::error::ApiError;
use crate::RetryAfter;

const HOUR_MS: i64 = 3_600_000;
const CREATED_MS: i64 = 1_716_879_600_000;

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

/// A token the API granted for `lifetime_ms`, with a value.
fn token(id: &str, lifetime_ms: Option<i64>) -> M2mToken {
    let mut token = M2mToken::new(id, "mch_1", CREATED_MS);
    token.expiration = lifetime_ms.map(|ms| CREATED_MS + ms);
    token.token = Some("mt_value".into());
    token
}

fn server_error(retry_after: Option<RetryAfter>) -> Error {
    let mut api = ApiError::new(http::StatusCode::SERVICE_UNAVAILABLE, Vec::new());
    if let Some(after) = retry_after {
        api = api.with_retry_after(after);
    }
    Error::Api {
        operation: Operation::CreateToken,
        attempts: 1,
        source: api,
    }
}

/// The wall clock as the server sees it when the token was created.
fn wall_at_creation() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_millis(u64::try_from(CREATED_MS).unwrap())
}

struct Harness {
    cache: TokenCache,
    start: Instant,
}

impl Harness {
    fn new(policy: RefreshPolicy) -> Self {
        Self {
            cache: TokenCache::new(policy.jitter(Duration::ZERO)),
            start: Instant::now(),
        }
    }

    fn at(&self, offset: Duration) -> Instant {
        self.start + offset
    }

    fn poll(&mut self, offset: Duration) -> Step {
        let now = self.at(offset);
        self.cache.poll(now)
    }

    fn create(&mut self, offset: Duration) -> Ticket {
        match self.poll(offset) {
            Step::Create(ticket) => ticket,
            other => panic!("expected a create at {offset:?}, got {other:?}"),
        }
    }

    fn finish(
        &mut self,
        ticket: Ticket,
        offset: Duration,
        result: Result<M2mToken, Error>,
    ) -> Result<Arc<M2mToken>, Error> {
        let now = self.at(offset);
        self.cache
            .finish(ticket, result, now, wall_at_creation() + offset, 0.0)
    }

    fn ready_id(&mut self, offset: Duration) -> String {
        match self.poll(offset) {
            Step::Ready(token) => token.id.clone(),
            other => panic!("expected a token at {offset:?}, got {other:?}"),
        }
    }
}

#[test]
fn a_cold_cache_creates_once_and_everyone_else_waits() {
    let mut h = Harness::new(RefreshPolicy::new());
    let ticket = h.create(secs(0));
    for _ in 0..3 {
        assert!(matches!(h.poll(secs(0)), Step::Wait { until: None }));
    }
    let token = h
        .finish(ticket, secs(1), Ok(token("mt_a", Some(HOUR_MS))))
        .unwrap();
    assert_eq!(token.id, "mt_a");
    assert_eq!(h.ready_id(secs(1)), "mt_a");
    assert!(!h.cache.is_creating());
}

#[test]
fn the_token_is_replaced_at_the_margin_measured_from_receipt() {
    let mut h = Harness::new(RefreshPolicy::new().margin(secs(60)));
    let ticket = h.create(secs(0));
    // The answer arrives 10 s after the request: the hour counts from then.
    h.finish(ticket, secs(10), Ok(token("mt_a", Some(HOUR_MS))))
        .unwrap();
    assert_eq!(h.ready_id(secs(3549)), "mt_a");
    let ticket = h.create(secs(3550));
    assert!(matches!(h.poll(secs(3551)), Step::Wait { until: None }));
    h.finish(ticket, secs(3551), Ok(token("mt_b", Some(HOUR_MS))))
        .unwrap();
    assert_eq!(h.ready_id(secs(3552)), "mt_b");
}

#[test]
fn a_short_token_is_kept_for_half_its_life() {
    let mut h = Harness::new(RefreshPolicy::new().margin(secs(60)));
    let ticket = h.create(secs(0));
    h.finish(ticket, secs(0), Ok(token("mt_a", Some(30_000))))
        .unwrap();
    assert_eq!(h.ready_id(secs(14)), "mt_a");
    let _ticket = h.create(secs(15));
}

#[test]
fn jitter_moves_the_refresh_point_earlier_within_its_range() {
    let policy = RefreshPolicy::new().margin(secs(60)).jitter(secs(20));
    let start = Instant::now();
    for (sample, refresh_after) in [(0.0, 3540), (0.5, 3530), (0.75, 3525)] {
        let mut cache = TokenCache::new(policy.clone());
        let Step::Create(ticket) = cache.poll(start) else {
            panic!()
        };
        cache
            .finish(
                ticket,
                Ok(token("mt_a", Some(HOUR_MS))),
                start,
                wall_at_creation(),
                sample,
            )
            .unwrap();
        let before = start + secs(refresh_after - 1);
        assert!(matches!(cache.poll(before), Step::Ready(_)), "{sample}");
        let at = start + secs(refresh_after);
        assert!(matches!(cache.poll(at), Step::Create(_)), "{sample}");
    }
}

#[test]
fn a_never_expiring_token_is_kept_for_good() {
    let mut h = Harness::new(RefreshPolicy::new());
    let ticket = h.create(secs(0));
    h.finish(ticket, secs(0), Ok(token("mt_a", None))).unwrap();
    assert_eq!(h.ready_id(secs(10 * 365 * 86_400)), "mt_a");
}

#[test]
fn a_failure_is_shared_then_backs_off_then_is_retried() {
    let mut h = Harness::new(RefreshPolicy::new().failure_backoff(secs(2)));
    let ticket = h.create(secs(0));
    let error = h
        .finish(ticket, secs(1), Err(server_error(None)))
        .unwrap_err();
    assert_eq!(error.status(), Some(http::StatusCode::SERVICE_UNAVAILABLE));
    // Waiters that poll after the failure, and newcomers during the
    // backoff (1 s to 2 s with jitter 0: half of the first step), get it.
    for offset in [1, 1] {
        match h.poll(secs(offset)) {
            Step::Failed(shared) => assert_eq!(shared.to_string(), error.to_string()),
            other => panic!("{other:?}"),
        }
    }
    let ticket = h.create(secs(2));
    h.finish(ticket, secs(2), Ok(token("mt_a", Some(HOUR_MS))))
        .unwrap();
    assert_eq!(h.ready_id(secs(2)), "mt_a");
}

#[test]
fn failures_in_a_row_back_off_longer_and_honour_retry_after() {
    let mut h = Harness::new(
        RefreshPolicy::new()
            .failure_backoff(secs(1))
            .max_failure_backoff(secs(8)),
    );
    // Jitter 0 halves each step: 0.5 s, 1 s, 2 s, 4 s, 4 s.
    let mut at = Duration::ZERO;
    for wait_ms in [500, 1000, 2000, 4000, 4000] {
        let ticket = h.create(at);
        h.finish(ticket, at, Err(server_error(None))).unwrap_err();
        let just_before = at + Duration::from_millis(wait_ms - 1);
        assert!(matches!(h.poll(just_before), Step::Failed(_)), "{wait_ms}");
        at += Duration::from_millis(wait_ms);
    }
    let ticket = h.create(at);
    let error = server_error(Some(RetryAfter::Seconds(20)));
    h.finish(ticket, at, Err(error)).unwrap_err();
    assert!(matches!(h.poll(at + secs(19)), Step::Failed(_)));
    let _ticket = h.create(at + secs(20));
}

#[test]
fn a_create_that_lands_resets_the_backoff() {
    let mut h = Harness::new(RefreshPolicy::new().failure_backoff(secs(4)));
    let ticket = h.create(secs(0));
    h.finish(ticket, secs(0), Err(server_error(None)))
        .unwrap_err();
    let ticket = h.create(secs(2));
    h.finish(ticket, secs(2), Ok(token("mt_a", Some(60_000))))
        .unwrap();
    // Refresh due at 2 + 30 s; the next failure waits the first step again.
    let ticket = h.create(secs(32));
    h.finish(ticket, secs(32), Err(server_error(None)))
        .unwrap_err();
    // During the backoff the old token, still valid, is handed out.
    assert_eq!(h.ready_id(secs(33)), "mt_a");
    let _ticket = h.create(secs(34));
}

#[test]
fn an_expired_token_is_never_handed_out_even_during_backoff() {
    let mut h = Harness::new(
        RefreshPolicy::new()
            .failure_backoff(secs(100))
            .max_failure_backoff(secs(100)),
    );
    let ticket = h.create(secs(0));
    h.finish(ticket, secs(0), Ok(token("mt_a", Some(60_000))))
        .unwrap();
    let ticket = h.create(secs(30));
    h.finish(ticket, secs(30), Err(server_error(None)))
        .unwrap_err();
    assert_eq!(h.ready_id(secs(59)), "mt_a");
    assert!(matches!(h.poll(secs(60)), Step::Failed(_)));
}

#[test]
fn background_refresh_serves_the_old_token_while_one_create_runs() {
    let mut h = Harness::new(RefreshPolicy::new().background_refresh(true));
    let ticket = h.create(secs(0));
    h.finish(ticket, secs(0), Ok(token("mt_a", Some(HOUR_MS))))
        .unwrap();
    let ticket = match h.poll(secs(3541)) {
        Step::ReadyAndRefresh { token, ticket } => {
            assert_eq!(token.id, "mt_a");
            ticket
        }
        other => panic!("{other:?}"),
    };
    assert!(h.cache.is_creating());
    assert_eq!(h.ready_id(secs(3542)), "mt_a", "one refresh at a time");
    h.finish(ticket, secs(3543), Ok(token("mt_b", Some(HOUR_MS))))
        .unwrap();
    assert_eq!(h.ready_id(secs(3544)), "mt_b");
}

#[test]
fn a_failed_background_refresh_backs_off_and_never_serves_an_expired_token() {
    let mut h = Harness::new(
        RefreshPolicy::new()
            .background_refresh(true)
            .failure_backoff(secs(10)),
    );
    let ticket = h.create(secs(0));
    h.finish(ticket, secs(0), Ok(token("mt_a", Some(HOUR_MS))))
        .unwrap();
    let Step::ReadyAndRefresh { ticket, .. } = h.poll(secs(3541)) else {
        panic!()
    };
    h.finish(ticket, secs(3541), Err(server_error(None)))
        .unwrap_err();
    // Backing off (5 s with jitter 0): the old token, no new refresh.
    assert_eq!(h.ready_id(secs(3545)), "mt_a");
    // After the backoff, the next caller starts the retry.
    assert!(matches!(h.poll(secs(3546)), Step::ReadyAndRefresh { .. }));
    // Still running at expiry: callers wait rather than get an expired token.
    assert!(matches!(h.poll(secs(3600)), Step::Wait { .. }));
}

#[test]
fn the_load_timeout_fails_waiters_but_the_create_still_lands() {
    let mut h = Harness::new(RefreshPolicy::new().load_timeout(Some(secs(5))));
    let ticket = h.create(secs(0));
    match h.poll(secs(1)) {
        Step::Wait { until: Some(until) } => assert_eq!(until, h.at(secs(5))),
        other => panic!("{other:?}"),
    }
    match h.poll(secs(5)) {
        Step::Failed(error) => {
            assert_eq!(error.operation(), Operation::CreateToken);
            assert!(error
                .transport_error()
                .is_some_and(TransportError::is_timeout));
        }
        other => panic!("{other:?}"),
    }
    assert!(h.cache.is_creating(), "the create is not cancelled");
    h.finish(ticket, secs(9), Ok(token("mt_a", Some(HOUR_MS))))
        .unwrap();
    assert_eq!(h.ready_id(secs(9)), "mt_a");
}

#[test]
fn an_abandoned_create_lets_the_next_caller_create() {
    let mut h = Harness::new(RefreshPolicy::new());
    let ticket = h.create(secs(0));
    assert!(matches!(h.poll(secs(0)), Step::Wait { .. }));
    h.cache.abandon(ticket);
    let _ticket = h.create(secs(0));
}

#[test]
fn a_stale_ticket_changes_nothing() {
    let mut h = Harness::new(RefreshPolicy::new());
    let first = h.create(secs(0));
    h.cache.abandon(Ticket(first.0));
    let second = h.create(secs(1));
    // The first create lands late: its caller gets the token, the cache
    // keeps waiting for the current create.
    let late = h.finish(first, secs(2), Ok(token("mt_late", Some(HOUR_MS))));
    assert_eq!(late.unwrap().id, "mt_late");
    assert!(matches!(h.poll(secs(2)), Step::Wait { .. }));
    h.finish(second, secs(2), Ok(token("mt_b", Some(HOUR_MS))))
        .unwrap();
    assert_eq!(h.ready_id(secs(2)), "mt_b");
}

#[test]
fn invalidate_drops_the_token_and_the_backoff() {
    let mut h = Harness::new(RefreshPolicy::new());
    let ticket = h.create(secs(0));
    h.finish(ticket, secs(0), Ok(token("mt_a", Some(HOUR_MS))))
        .unwrap();
    h.cache.invalidate();
    let ticket = h.create(secs(1));
    h.finish(ticket, secs(1), Err(server_error(None)))
        .unwrap_err();
    h.cache.invalidate();
    let _ticket = h.create(secs(1));
}

#[test]
fn invalidate_token_drops_only_the_rejected_token() {
    let mut h = Harness::new(RefreshPolicy::new());
    let ticket = h.create(secs(0));
    h.finish(ticket, secs(0), Ok(token("mt_a", Some(HOUR_MS))))
        .unwrap();
    assert!(!h.cache.invalidate_token("mt_other", h.at(secs(1))));
    assert_eq!(h.ready_id(secs(1)), "mt_a");
    assert!(h.cache.invalidate_token("mt_a", h.at(secs(1))));
    let ticket = h.create(secs(1));
    // 99 more rejections of mt_a while its replacement is created: no-ops.
    for _ in 0..99 {
        assert!(!h.cache.invalidate_token("mt_a", h.at(secs(1))));
    }
    assert!(matches!(h.poll(secs(1)), Step::Wait { .. }));
    h.finish(ticket, secs(2), Ok(token("mt_b", Some(HOUR_MS))))
        .unwrap();
    assert!(!h.cache.invalidate_token("mt_a", h.at(secs(2))));
    assert_eq!(h.ready_id(secs(2)), "mt_b");
    assert_eq!(h.cache.tokens_created(), 2);
}

#[test]
fn a_replacement_that_is_rejected_too_is_held_for_a_growing_backoff() {
    // A callee that rejects every token: one create per backoff window.
    let mut h = Harness::new(
        RefreshPolicy::new()
            .failure_backoff(secs(2))
            .max_failure_backoff(secs(8)),
    );
    let ticket = h.create(secs(0));
    h.finish(ticket, secs(0), Ok(token("mt_0", Some(HOUR_MS))))
        .unwrap();
    // A token created normally is dropped at its first rejection.
    assert!(h.cache.invalidate_token("mt_0", h.at(secs(0))));
    // Each replacement is held (jitter 0: half of 2 s, 4 s, 8 s, 8 s) from
    // its arrival, then dropped by the next rejection.
    let mut at = secs(10);
    for (n, hold_ms) in [1000u64, 2000, 4000, 4000].into_iter().enumerate() {
        let ticket = h.create(at);
        let id = format!("mt_{}", n + 1);
        h.finish(ticket, at, Ok(token(&id, Some(HOUR_MS)))).unwrap();
        let just_before = at + Duration::from_millis(hold_ms - 1);
        assert!(!h.cache.invalidate_token(&id, h.at(just_before)), "{id}");
        assert_eq!(
            h.ready_id(just_before),
            id,
            "the held token is still handed out"
        );
        at += Duration::from_millis(hold_ms);
        assert!(h.cache.invalidate_token(&id, h.at(at)), "{id}");
    }
    assert_eq!(h.cache.tokens_created(), 5);

    // A refresh (not a rejection) starts the count afresh.
    let ticket = h.create(at);
    h.finish(ticket, at, Ok(token("mt_5", Some(60_000))))
        .unwrap();
    let ticket = h.create(at + secs(30));
    h.finish(ticket, at + secs(30), Ok(token("mt_6", Some(HOUR_MS))))
        .unwrap();
    assert!(h.cache.invalidate_token("mt_6", h.at(at + secs(30))));
    // …and so does an explicit invalidate.
    let ticket = h.create(at + secs(31));
    h.finish(ticket, at + secs(31), Ok(token("mt_7", Some(HOUR_MS))))
        .unwrap();
    h.cache.invalidate();
    let ticket = h.create(at + secs(31));
    h.finish(ticket, at + secs(31), Ok(token("mt_8", Some(HOUR_MS))))
        .unwrap();
    assert!(h.cache.invalidate_token("mt_8", h.at(at + secs(31))));
}

#[test]
fn jitter_spreads_the_hold_of_a_rejected_replacement() {
    let policy = RefreshPolicy::new().failure_backoff(secs(4));
    let start = Instant::now();
    for (sample, hold) in [(0.0, 2), (0.5, 3), (0.99, 4)] {
        let mut cache = TokenCache::new(policy.clone());
        let Step::Create(ticket) = cache.poll(start) else {
            panic!()
        };
        let first = token("mt_a", Some(HOUR_MS));
        cache
            .finish(ticket, Ok(first), start, wall_at_creation(), sample)
            .unwrap();
        assert!(cache.invalidate_token("mt_a", start));
        let Step::Create(ticket) = cache.poll(start) else {
            panic!()
        };
        let second = token("mt_b", Some(HOUR_MS));
        cache
            .finish(ticket, Ok(second), start, wall_at_creation(), sample)
            .unwrap();
        let before = start + secs(hold) - Duration::from_millis(40);
        assert!(!cache.invalidate_token("mt_b", before), "{sample}");
        assert!(
            cache.invalidate_token("mt_b", start + secs(hold)),
            "{sample}"
        );
    }
}

#[test]
fn an_answer_without_a_value_is_a_decode_failure() {
    let mut h = Harness::new(RefreshPolicy::new());
    let ticket = h.create(secs(0));
    let mut no_value = token("mt_a", Some(HOUR_MS));
    no_value.token = None;
    let error = h.finish(ticket, secs(0), Ok(no_value)).unwrap_err();
    assert!(matches!(error, Error::Decode { .. }), "{error:?}");
    assert!(h.cache.cached().is_none());
}

#[test]
fn a_wrong_wall_clock_does_not_change_freshness() {
    // The server's times say one hour; the local wall clock is 5 min off
    // either way: the refresh point is still one hour minus the margin
    // after receipt.
    for skew in [-300i64, 300] {
        let start = Instant::now();
        let mut cache = TokenCache::new(RefreshPolicy::new().jitter(Duration::ZERO));
        let Step::Create(ticket) = cache.poll(start) else {
            panic!()
        };
        let wall = if skew < 0 {
            wall_at_creation() - secs(300)
        } else {
            wall_at_creation() + secs(300)
        };
        cache
            .finish(ticket, Ok(token("mt_a", Some(HOUR_MS))), start, wall, 0.0)
            .unwrap();
        assert!(
            matches!(cache.poll(start + secs(3539)), Step::Ready(_)),
            "{skew}"
        );
        assert!(
            matches!(cache.poll(start + secs(3540)), Step::Create(_)),
            "{skew}"
        );
    }
}

#[test]
fn a_reused_token_counts_what_is_left_never_below_the_floor() {
    let start = Instant::now();
    let policy = RefreshPolicy::new().jitter(Duration::ZERO);
    // Reused 50 min after creation: 10 min left by the wall clock.
    let mut cache = TokenCache::new(policy.clone()).with_reuse_floor(Some(secs(300)));
    let Step::Create(ticket) = cache.poll(start) else {
        panic!()
    };
    let wall = wall_at_creation() + secs(3000);
    cache
        .finish(ticket, Ok(token("mt_a", Some(HOUR_MS))), start, wall, 0.0)
        .unwrap();
    assert!(matches!(cache.poll(start + secs(539)), Step::Ready(_)));
    assert!(matches!(cache.poll(start + secs(540)), Step::Create(_)));

    // A wall clock far ahead cannot push the remaining time below the floor.
    let mut cache = TokenCache::new(policy).with_reuse_floor(Some(secs(300)));
    let Step::Create(ticket) = cache.poll(start) else {
        panic!()
    };
    let wall = wall_at_creation() + secs(86_400);
    cache
        .finish(ticket, Ok(token("mt_a", Some(HOUR_MS))), start, wall, 0.0)
        .unwrap();
    assert!(matches!(cache.poll(start + secs(239)), Step::Ready(_)));
    assert!(matches!(cache.poll(start + secs(240)), Step::Create(_)));
}
