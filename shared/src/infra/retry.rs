//! The one retry helper: bounded attempts with exponential, jittered backoff. Used by the WeChat
//! client ("system busy"), by transactions that lost a conflict, and by batch items DynamoDB left
//! unprocessed.

use std::time::Duration;

use super::crypto::random_u64;

/// How often, and how patiently, to try again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// Attempts in all, the first included.
    pub attempts: u32,
    /// The pause before the second attempt; it doubles for each further one.
    pub base: Duration,
    /// The longest pause.
    pub max: Duration,
    /// Pause a random 50..100 % of the delay, so contending retries spread out.
    pub jitter: bool,
}

/// Every attempt was used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("gave up after {attempts} attempts")]
pub struct Exhausted {
    pub attempts: u32,
}

impl Backoff {
    /// Starts counting attempts: the first one is under way.
    pub fn start(self) -> Attempts {
        Attempts {
            policy: self,
            made: 1,
        }
    }

    /// The pause after attempt `made` (1-based), before jitter.
    pub fn delay(&self, made: u32) -> Duration {
        let factor = 1u32 << made.saturating_sub(1).min(16);
        self.base.saturating_mul(factor).min(self.max)
    }
}

/// The attempts of one operation.
#[derive(Debug)]
pub struct Attempts {
    policy: Backoff,
    made: u32,
}

impl Attempts {
    /// Waits before the next attempt, or fails when none is left.
    pub async fn wait(&mut self) -> Result<(), Exhausted> {
        if self.made >= self.policy.attempts {
            return Err(Exhausted { attempts: self.made });
        }
        let delay = self.policy.delay(self.made);
        let delay = if self.policy.jitter {
            let percent = 50 + random_u64() % 51;
            delay * percent as u32 / 100
        } else {
            delay
        };
        tokio::time::sleep(delay).await;
        self.made += 1;
        Ok(())
    }

    /// The attempt under way, from 1.
    pub fn made(&self) -> u32 {
        self.made
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: Backoff = Backoff {
        attempts: 3,
        base: Duration::from_millis(1),
        max: Duration::from_millis(3),
        jitter: true,
    };

    #[test]
    fn delays_double_up_to_the_cap() {
        let delays: Vec<u128> = (1..=4).map(|n| POLICY.delay(n).as_millis()).collect();
        assert_eq!(delays, [1, 2, 3, 3]);
    }

    #[tokio::test]
    async fn attempts_run_out_after_the_limit() {
        let mut attempts = POLICY.start();
        assert!(attempts.wait().await.is_ok());
        assert!(attempts.wait().await.is_ok());
        assert_eq!(attempts.made(), 3);
        assert_eq!(attempts.wait().await, Err(Exhausted { attempts: 3 }));
    }
}
