//! Retries of `rate_limited` and `transient` failures, inside a time budget the caller sets.
//!
//! The plugin has no clock and cannot sleep, so it never retries: it ends the call with the
//! class (and `retry_after_s` when the vendor said). The host decides whether to call again.
//! [`Retrying`] does so with exponential backoff and jitter, waits at least `retry_after_s`
//! (30 s for a `rate_limited` without one: `plugin_contract::host::wait_asked`),
//! and gives up with the last error as soon as the next wait would overrun the budget. Every
//! other class is returned at once.

use std::time::{Duration, Instant};

use plugin_contract::{
    host, AccountList, Authenticated, CredentialsInput, Description, FetchUsageInput, PluginError,
    ServiceList, Usage, VendorPlugin,
};

/// How long and how often to retry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// The most time spent waiting between attempts, all waits together.
    pub budget: Duration,
    /// The wait before the second attempt; it doubles for each further attempt.
    pub first_delay: Duration,
    /// The longest single backoff (a vendor's `retry_after_s` may ask for more).
    pub max_delay: Duration,
}

impl RetryPolicy {
    /// Returns a policy that never retries.
    pub fn none() -> RetryPolicy {
        RetryPolicy::within(Duration::ZERO)
    }

    /// Returns a policy with the given budget, starting at 0.5 s and capped at 30 s per wait.
    pub fn within(budget: Duration) -> RetryPolicy {
        RetryPolicy {
            budget,
            first_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
        }
    }

    /// Returns the backoff before attempt `attempt + 1`: exponential, with jitter in [½, 1].
    ///
    /// Never panics, whatever the policy and the jitter: the doubling saturates, and a factor
    /// that is not a number or a product past `Duration`'s range (which `mul_f64` would panic
    /// on) leaves the capped exponential unscaled.
    fn backoff(&self, attempt: u32, jitter: f64) -> Duration {
        let exponential = self
            .first_delay
            .saturating_mul(2u32.saturating_pow(attempt))
            .min(self.max_delay);
        let factor = if jitter.is_nan() {
            1.0
        } else {
            0.5 + 0.5 * jitter.clamp(0.0, 1.0)
        };
        Duration::try_from_secs_f64(exponential.as_secs_f64() * factor)
            .map_or(exponential, |scaled| scaled.min(exponential))
    }

    /// Returns the backoff before attempt `attempt + 1`, with a jitter drawn from `rng`.
    fn random_backoff(&self, attempt: u32, rng: &mut fastrand::Rng) -> Duration {
        self.backoff(attempt, rng.f64())
    }
}

/// The wait a plugin asks for with its own `retry_after_s` of 2^64−1 (a host fills in at most
/// 2^53−1 from `Retry-After`): longer than any budget, even one of 2^64−1 seconds.
const FOREVER: Duration = Duration::from_secs(u64::MAX);

/// Tells whether waiting `wait` more, after `elapsed` already spent, stays within `budget`.
///
/// Checked, never panicking: a wait of [`FOREVER`] or more, or one whose sum with `elapsed`
/// is past `Duration`'s range, never fits.
fn fits(elapsed: Duration, wait: Duration, budget: Duration) -> bool {
    wait < FOREVER && elapsed.checked_add(wait).is_some_and(|end| end <= budget)
}

/// Calls `call` until it succeeds, fails with a class that is not retryable, or the next wait
/// would overrun the policy's budget; returns the last result.
pub fn with_retries<T>(
    policy: &RetryPolicy,
    mut call: impl FnMut() -> Result<T, PluginError>,
) -> Result<T, PluginError> {
    let started = Instant::now();
    let mut rng = fastrand::Rng::new();
    let mut attempt = 0;
    loop {
        let error = match call() {
            Ok(output) => return Ok(output),
            Err(error) if !error.class.is_retryable() => return Err(error),
            Err(error) => error,
        };
        let asked = Duration::from_secs(host::wait_asked(&error));
        let wait = policy.random_backoff(attempt, &mut rng).max(asked);
        if !fits(started.elapsed(), wait, policy.budget) {
            return Err(error);
        }
        std::thread::sleep(wait);
        attempt = attempt.saturating_add(1);
    }
}

/// A [`VendorPlugin`] whose every call is retried by a [`RetryPolicy`].
pub struct Retrying<P> {
    plugin: P,
    policy: RetryPolicy,
}

impl<P: VendorPlugin> Retrying<P> {
    /// Wraps `plugin`, retrying its calls by `policy`.
    pub fn new(plugin: P, policy: RetryPolicy) -> Self {
        Retrying { plugin, policy }
    }

    /// Returns the plugin retried.
    pub fn inner(&self) -> &P {
        &self.plugin
    }
}

impl<P: VendorPlugin> VendorPlugin for Retrying<P> {
    fn describe_credentials(
        &mut self,
        input: &CredentialsInput,
    ) -> Result<Description, PluginError> {
        with_retries(&self.policy, || self.plugin.describe_credentials(input))
    }

    fn authenticate(&mut self, input: &CredentialsInput) -> Result<Authenticated, PluginError> {
        with_retries(&self.policy, || self.plugin.authenticate(input))
    }

    fn list_accounts(&mut self, input: &CredentialsInput) -> Result<AccountList, PluginError> {
        with_retries(&self.policy, || self.plugin.list_accounts(input))
    }

    fn list_services(&mut self, input: &CredentialsInput) -> Result<ServiceList, PluginError> {
        with_retries(&self.policy, || self.plugin.list_services(input))
    }

    fn fetch_usage(&mut self, input: &FetchUsageInput) -> Result<Usage, PluginError> {
        with_retries(&self.policy, || self.plugin.fetch_usage(input))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use plugin_contract::ErrorClass;

    fn fast(budget_ms: u64) -> RetryPolicy {
        RetryPolicy {
            budget: Duration::from_millis(budget_ms),
            first_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(4),
        }
    }

    fn failing(class: ErrorClass) -> PluginError {
        PluginError::new(class, "x")
    }

    #[test]
    fn backoff_doubles_up_to_the_cap_with_jitter_in_the_upper_half() {
        let policy = RetryPolicy::within(Duration::from_secs(60));
        assert_eq!(policy.backoff(0, 1.0), Duration::from_millis(500));
        assert_eq!(policy.backoff(1, 1.0), Duration::from_secs(1));
        assert_eq!(policy.backoff(0, 0.0), Duration::from_millis(250));
        assert_eq!(policy.backoff(20, 1.0), Duration::from_secs(30));
    }

    #[test]
    fn retryable_failures_are_retried_until_success() {
        let mut calls = 0;
        let result = with_retries(&fast(1000), || {
            calls += 1;
            if calls < 3 {
                Err(failing(ErrorClass::Transient))
            } else {
                Ok(calls)
            }
        });
        assert_eq!(result, Ok(3));
    }

    #[test]
    fn other_classes_are_returned_at_once() {
        for class in [
            ErrorClass::Auth,
            ErrorClass::Config,
            ErrorClass::Vendor,
            ErrorClass::Internal,
        ] {
            let mut calls = 0;
            let result: Result<(), _> = with_retries(&fast(1000), || {
                calls += 1;
                Err(failing(class))
            });
            assert_eq!((result.unwrap_err().class, calls), (class, 1));
        }
    }

    #[test]
    fn a_wait_longer_than_the_budget_is_not_started() {
        let mut calls = 0;
        let started = Instant::now();
        let result: Result<(), _> = with_retries(&fast(1000), || {
            calls += 1;
            let mut error = failing(ErrorClass::RateLimited);
            error.retry_after_s = Some(5);
            Err(error)
        });
        assert_eq!(result.unwrap_err().class, ErrorClass::RateLimited);
        assert_eq!(calls, 1);
        assert!(started.elapsed() < Duration::from_millis(500));
    }

    fn asking_to_wait(class: ErrorClass, retry_after_s: u64) -> PluginError {
        let mut error = failing(class);
        error.retry_after_s = Some(retry_after_s);
        error
    }

    #[test]
    fn a_retry_after_of_u64_max_gives_up_without_panicking() {
        for budget in [
            Duration::ZERO,
            Duration::from_secs(60),
            Duration::from_secs(u64::MAX),
            Duration::MAX,
        ] {
            for class in [ErrorClass::RateLimited, ErrorClass::Transient] {
                let policy = RetryPolicy::within(budget);
                let mut calls = 0;
                let started = Instant::now();
                let result: Result<(), _> = with_retries(&policy, || {
                    calls += 1;
                    Err(asking_to_wait(class, u64::MAX))
                });
                let error = result.unwrap_err();
                assert_eq!(
                    (error.class, error.retry_after_s, calls),
                    (class, Some(u64::MAX), 1),
                    "budget {budget:?}"
                );
                assert!(started.elapsed() < Duration::from_millis(500));
            }
        }
    }

    #[test]
    fn a_retry_after_of_u64_max_after_a_call_of_over_a_second_gives_up_without_panicking() {
        // The reported crash: `elapsed + wait` overflowed once the call had taken 1 s or more.
        let mut calls = 0;
        let result: Result<(), _> = with_retries(&RetryPolicy::within(Duration::ZERO), || {
            calls += 1;
            std::thread::sleep(Duration::from_millis(1010));
            Err(asking_to_wait(ErrorClass::Transient, u64::MAX).with_http_status(503))
        });
        assert_eq!(result.unwrap_err().http_status, Some(503));
        assert_eq!(calls, 1);
    }

    #[test]
    fn a_retry_after_of_u64_max_never_fits_even_after_a_call_of_over_a_second() {
        for elapsed in [Duration::ZERO, Duration::from_millis(1500), Duration::MAX] {
            for budget in [
                Duration::ZERO,
                Duration::from_secs(60),
                Duration::from_secs(u64::MAX),
                Duration::MAX,
            ] {
                assert!(!fits(elapsed, FOREVER, budget), "{elapsed:?} {budget:?}");
                assert!(
                    !fits(elapsed, Duration::MAX, budget),
                    "{elapsed:?} {budget:?}"
                );
            }
        }
    }

    #[test]
    fn a_wait_past_the_range_of_durations_does_not_fit_instead_of_overflowing() {
        let almost_forever = FOREVER - Duration::from_secs(1);
        assert!(!fits(Duration::from_secs(2), almost_forever, Duration::MAX));
        assert!(fits(Duration::ZERO, almost_forever, Duration::MAX));
        assert!(fits(
            Duration::from_secs(1),
            Duration::from_secs(2),
            Duration::from_secs(3)
        ));
        assert!(!fits(
            Duration::from_secs(2),
            Duration::from_secs(2),
            Duration::from_secs(3)
        ));
    }

    #[test]
    fn backoff_never_panics_on_extreme_policies_or_jitter() {
        let huge = RetryPolicy {
            budget: Duration::MAX,
            first_delay: Duration::MAX,
            max_delay: Duration::MAX,
        };
        for jitter in [
            0.0,
            0.5,
            1.0,
            -1.0,
            2.0,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ] {
            for attempt in [0, 1, 63, 64, u32::MAX] {
                assert!(huge.backoff(attempt, jitter) <= Duration::MAX);
                let normal = RetryPolicy::within(Duration::from_secs(60));
                assert!(normal.backoff(attempt, jitter) <= Duration::from_secs(30));
            }
        }
        assert_eq!(
            RetryPolicy::within(Duration::ZERO).backoff(0, f64::NAN),
            Duration::from_millis(500)
        );
    }

    #[test]
    fn random_backoffs_spread_over_the_upper_half() {
        let policy = RetryPolicy::within(Duration::from_secs(60));
        let mut rng = fastrand::Rng::with_seed(7);
        let waits: Vec<Duration> = (0..1000)
            .map(|_| policy.random_backoff(0, &mut rng))
            .collect();
        let (low, high) = (Duration::from_millis(250), Duration::from_millis(500));
        assert!(waits.iter().all(|w| (low..=high).contains(w)), "{waits:?}");
        let shortest = waits.iter().min().unwrap();
        let longest = waits.iter().max().unwrap();
        assert!(*shortest < Duration::from_millis(275), "{shortest:?}");
        assert!(*longest > Duration::from_millis(475), "{longest:?}");
    }
}
