//! Where a request's time went: the time spent in DynamoDB, S3, WeChat and WeChat Pay calls, and
//! how many calls, summed per request (calls made at once each count their own time, so the sum
//! can exceed the request's latency). The adapters record; the runtime writes the sums on the
//! request's log line. Outside a measured request, recording does nothing.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeSerializationInterceptorContextRef, FinalizerInterceptorContextRef,
};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::{ConfigBag, Storable, StoreReplace};

/// A service a request may wait on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dependency {
    DynamoDb,
    S3,
    WeChat,
    WeChatPay,
}

impl Dependency {
    const ALL: [Self; 4] = [Self::DynamoDb, Self::S3, Self::WeChat, Self::WeChatPay];

    fn index(self) -> usize {
        self as usize
    }
}

/// The sums of one request, per dependency.
#[derive(Debug, Default)]
pub struct Spent {
    micros: [AtomicU64; 4],
    calls: [AtomicU32; 4],
}

impl Spent {
    fn add(&self, dependency: Dependency, elapsed: Duration) {
        let micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        self.micros[dependency.index()].fetch_add(micros, Ordering::Relaxed);
        self.calls[dependency.index()].fetch_add(1, Ordering::Relaxed);
    }

    /// Milliseconds spent in `dependency`'s calls.
    pub fn millis(&self, dependency: Dependency) -> f64 {
        self.micros[dependency.index()].load(Ordering::Relaxed) as f64 / 1000.0
    }

    /// How many calls of `dependency` were made.
    pub fn calls(&self, dependency: Dependency) -> u32 {
        self.calls[dependency.index()].load(Ordering::Relaxed)
    }

    /// Whether any call was recorded.
    pub fn is_empty(&self) -> bool {
        Dependency::ALL.iter().all(|d| self.calls(*d) == 0)
    }
}

tokio::task_local! {
    static SPENT: Arc<Spent>;
}

/// Runs `work` (one request or event) with its own sums, and answers them beside its output.
/// `work` is boxed: a handler's future nests deeply, and every function's `main` would otherwise
/// carry its whole layout (past the compiler's query depth for some).
pub async fn measure<F: Future>(work: F) -> (F::Output, Arc<Spent>) {
    let spent = Arc::new(Spent::default());
    let output = SPENT.scope(spent.clone(), Box::pin(work)).await;
    (output, spent)
}

/// Adds one call of `dependency` that took `elapsed` to the current request's sums.
pub fn record(dependency: Dependency, elapsed: Duration) {
    let _ = SPENT.try_with(|spent| spent.add(dependency, elapsed));
}

/// Awaits `call` and counts its time against `dependency`.
pub async fn timed<F: Future>(dependency: Dependency, call: F) -> F::Output {
    let started = Instant::now();
    let output = call.await;
    record(dependency, started.elapsed());
    output
}

/// When an SDK operation started, kept in its config bag between the interceptor's hooks.
#[derive(Debug, Clone, Copy)]
struct Started(Instant);

impl Storable for Started {
    type Storer = StoreReplace<Self>;
}

/// The AWS SDK clients' timer: one operation, its retries included, counted once.
#[derive(Debug, Clone, Copy)]
pub struct SdkTimer(pub Dependency);

impl Intercept for SdkTimer {
    fn name(&self) -> &'static str {
        "SdkTimer"
    }

    fn read_before_execution(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        cfg: &mut ConfigBag,
    ) -> Result<(), aws_smithy_runtime_api::box_error::BoxError> {
        cfg.interceptor_state().store_put(Started(Instant::now()));
        Ok(())
    }

    fn read_after_execution(
        &self,
        _context: &FinalizerInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), aws_smithy_runtime_api::box_error::BoxError> {
        if let Some(Started(at)) = cfg.load::<Started>() {
            record(self.0, at.elapsed());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn calls_inside_a_measured_request_are_summed_per_dependency() {
        let ((), spent) = measure(async {
            timed(Dependency::WeChat, tokio::time::sleep(Duration::from_millis(5))).await;
            timed(Dependency::WeChat, async {}).await;
            record(Dependency::DynamoDb, Duration::from_micros(1500));
        })
        .await;

        assert_eq!(spent.calls(Dependency::WeChat), 2);
        assert!(
            spent.millis(Dependency::WeChat) >= 5.0,
            "{}",
            spent.millis(Dependency::WeChat)
        );
        assert_eq!(spent.millis(Dependency::DynamoDb), 1.5);
        assert_eq!(
            (spent.calls(Dependency::S3), spent.calls(Dependency::WeChatPay)),
            (0, 0)
        );
        assert!(!spent.is_empty());
    }

    #[tokio::test]
    async fn a_call_outside_a_measured_request_is_not_recorded_anywhere() {
        timed(Dependency::S3, async {}).await;
        let ((), spent) = measure(async {}).await;
        assert!(spent.is_empty());
    }
}
