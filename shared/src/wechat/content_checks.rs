//! Content security of texts: what users write for others to read passes WeChat's
//! `msg_sec_check` (version 2, with the writer's openid) before anything is written. What happens
//! when WeChat cannot be asked is a policy per kind of text.

use crate::domain::ids::Openid;
use crate::infra::access_token::{AccessTokenError, AccessTokens};
use crate::infra::wechat::{TextScene, TextVerdict};
use crate::runtime::config::ConfigError;
use crate::runtime::startup::{Build, Startup};

/// What happens to a text WeChat's content check cannot judge (down, slow, busy).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unchecked {
    /// Refused with a 503: nothing unchecked is shown to others.
    Refuse,
    /// Accepted and flagged (logged, and stored where the text is) for a later review.
    Accept,
}

/// A text WeChat did not refuse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Checked {
    /// WeChat passed it.
    Passed,
    /// WeChat could not be asked and the policy accepts it: flag it for review.
    Unchecked,
}

/// Why a text was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum TextRefusal {
    /// WeChat's content check refused it (`review` or `risky`).
    #[error("the text did not pass WeChat's content check ({suggest}, label {label})")]
    Refused { suggest: String, label: i64 },
    /// WeChat could not be asked, and the policy refuses unchecked texts.
    #[error("the text could not be checked")]
    Unchecked(#[source] AccessTokenError),
}

/// The text check, with the shared access token. Built once per process.
#[derive(Clone)]
pub struct TextChecks {
    tokens: AccessTokens,
}

impl TextChecks {
    pub fn new(tokens: AccessTokens) -> Self {
        Self { tokens }
    }

    /// Asks WeChat whether `text`, written by `openid` and shown in `scene`, may be shown: one
    /// WeChat call (the shared token read from the table on a cold instance).
    #[tracing::instrument(skip_all, fields(scene = ?scene))]
    pub async fn check(
        &self,
        openid: &Openid,
        scene: TextScene,
        text: &str,
        when_unchecked: Unchecked,
    ) -> Result<Checked, TextRefusal> {
        let verdict = self
            .tokens
            .call(|wechat, token| async move { wechat.msg_sec_check(&token, openid, scene, text).await })
            .await;
        match verdict {
            Ok(TextVerdict::Pass) => Ok(Checked::Passed),
            Ok(TextVerdict::Refused { suggest, label }) => {
                tracing::warn!(
                    security_event = "content_refused",
                    suggest,
                    label,
                    "text refused by WeChat's content check"
                );
                Err(TextRefusal::Refused { suggest, label })
            }
            Err(err) => match when_unchecked {
                Unchecked::Refuse => Err(TextRefusal::Unchecked(err)),
                Unchecked::Accept => {
                    tracing::warn!(error = %err, unchecked = true, "text accepted without WeChat's content check");
                    Ok(Checked::Unchecked)
                }
            },
        }
    }
}

impl Build for TextChecks {
    async fn build(startup: &Startup) -> Result<Self, ConfigError> {
        Ok(TextChecks::new(startup.access_tokens().await?))
    }
}
