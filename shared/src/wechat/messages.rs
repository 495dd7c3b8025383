//! Subscribe messages: the client reports the templates a user accepted in
//! `wx.requestSubscribeMessage`, and the order flow sends one message per acceptance when an
//! order is paid, shipped or about to close unpaid, and when an operator decides an after-sales
//! request. Sending never blocks or fails the order flow:
//! it is bounded in time, and every failure is logged and counted, never answered.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use crate::domain::after_sales::AfterSales;
use crate::domain::ids::Openid;
use crate::domain::notices::{
    MAX_ACCEPTANCES, MAX_ACCEPTED_PER_REPORT, NoticeEvent, NoticeTemplates, TEMPLATE_ID_MAX,
};
use crate::domain::orders::Order;
use crate::domain::time::{Clock, Timestamp};
use crate::infra::access_token::{AccessTokenError, AccessTokens};
use crate::infra::store::{StorageError, Store};
use crate::infra::wechat::{MiniProgramState, WeChatError};
use crate::runtime::config::ConfigError;
use crate::runtime::startup::{Build, Startup};

/// The longest a message may hold up the order flow (the token, the acceptance and WeChat).
const SEND_BUDGET: Duration = Duration::from_secs(3);

/// Why an acceptance report was refused.
#[derive(Debug, thiserror::Error)]
pub enum SubscriptionError {
    #[error("accepted: {0}")]
    Invalid(String),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// The acceptances users report. Built once per process.
#[derive(Clone)]
pub struct Subscriptions {
    store: Store,
    templates: Arc<NoticeTemplates>,
}

impl Subscriptions {
    pub fn new(store: Store, templates: NoticeTemplates) -> Self {
        Self {
            store,
            templates: Arc::new(templates),
        }
    }

    /// Records one acceptance of each of `accepted` (1 to 3 of our template ids, each once):
    /// one UpdateItem. Answers how many messages of each template the user now allows.
    #[tracing::instrument(skip_all)]
    pub async fn accept(
        &self,
        openid: &Openid,
        accepted: &[String],
    ) -> Result<BTreeMap<String, u32>, SubscriptionError> {
        if accepted.is_empty() || accepted.len() > MAX_ACCEPTED_PER_REPORT {
            return Err(SubscriptionError::Invalid(format!(
                "must list 1 to {MAX_ACCEPTED_PER_REPORT} template ids"
            )));
        }
        for (i, id) in accepted.iter().enumerate() {
            if id.len() > TEMPLATE_ID_MAX || !self.templates.knows(id) {
                return Err(SubscriptionError::Invalid(
                    "must list template ids this mini-program sends (see SUBSCRIBE_TEMPLATES)".into(),
                ));
            }
            if accepted[..i].contains(id) {
                return Err(SubscriptionError::Invalid(
                    "must list each template id once".into(),
                ));
            }
        }
        Ok(self
            .store
            .add_subscriptions(openid, accepted, MAX_ACCEPTANCES)
            .await?)
    }
}

/// What became of one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// WeChat accepted it.
    Sent,
    /// No template for this event, or the user allows no more messages of it.
    NotAllowed,
    /// WeChat, the token or the table failed, or it took too long: logged and dropped.
    Failed,
}

/// Sends the order events' messages. Built once per process by the functions that move orders
/// (pay-notify, ship-order, expire-orders); without templates it does nothing at all.
#[derive(Clone)]
pub struct Notifier {
    inner: Option<Arc<Sending>>,
}

struct Sending {
    store: Store,
    tokens: AccessTokens,
    templates: NoticeTemplates,
    state: MiniProgramState,
    clock: Clock,
}

impl Notifier {
    /// A notifier with no template: it never sends (and needs no WeChat client).
    pub fn off() -> Self {
        Self { inner: None }
    }

    pub fn new(
        store: Store,
        tokens: AccessTokens,
        templates: NoticeTemplates,
        state: MiniProgramState,
        clock: Clock,
    ) -> Self {
        let inner = (!templates.is_empty()).then(|| {
            Arc::new(Sending {
                store,
                tokens,
                templates,
                state,
                clock,
            })
        });
        Self { inner }
    }

    /// Whether any event has a template.
    pub fn is_on(&self) -> bool {
        self.inner.is_some()
    }

    /// Whether `event` has a template.
    pub fn sends(&self, event: NoticeEvent) -> bool {
        self.inner
            .as_ref()
            .is_some_and(|s| s.templates.get(event).is_some())
    }

    /// Tells `order`'s owner about `event`, if they allow it: takes one acceptance, then sends.
    /// Never fails: a failure is logged (and the acceptance given back unless WeChat says the
    /// user has none).
    pub async fn notify(&self, order: &Order, event: NoticeEvent) -> Delivery {
        self.tell(order, None, event).await
    }

    /// Tells `order`'s owner an operator decided their after-sales request `after_sales`.
    pub async fn notify_after_sales(&self, order: &Order, after_sales: &AfterSales) -> Delivery {
        self.tell(order, Some(after_sales), NoticeEvent::AfterSalesDecided)
            .await
    }

    #[tracing::instrument(skip_all, fields(event = %event, order = %order.order_id))]
    async fn tell(&self, order: &Order, after_sales: Option<&AfterSales>, event: NoticeEvent) -> Delivery {
        let Some(sending) = &self.inner else {
            return Delivery::NotAllowed;
        };
        match tokio::time::timeout(SEND_BUDGET, sending.send(order, after_sales, event)).await {
            Ok(Ok(delivery)) => delivery,
            Ok(Err(err)) => {
                tracing::warn!(error = %err, "the subscribe message was not sent");
                Delivery::Failed
            }
            Err(_) => {
                tracing::warn!("the subscribe message took too long: dropped");
                Delivery::Failed
            }
        }
    }
}

/// Why a message was not sent.
#[derive(Debug, thiserror::Error)]
enum SendError {
    #[error(transparent)]
    WeChat(#[from] AccessTokenError),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl Sending {
    async fn send(
        &self,
        order: &Order,
        after_sales: Option<&AfterSales>,
        event: NoticeEvent,
    ) -> Result<Delivery, SendError> {
        let Some(template) = self.templates.get(event) else {
            return Ok(Delivery::NotAllowed);
        };
        let openid = &order.openid;
        if !self
            .store
            .take_subscription(openid, &template.template_id)
            .await?
        {
            return Ok(Delivery::NotAllowed);
        }
        let now: Timestamp = self.clock.now();
        let notice = template.render(order, after_sales, now);
        let sent = self
            .tokens
            .call(|wechat, token| {
                let notice = &notice;
                async move { wechat.subscribe_send(&token, openid, notice, self.state).await }
            })
            .await;
        match sent {
            Ok(()) => {
                tracing::info!(template = %template.template_id, "subscribe message sent");
                Ok(Delivery::Sent)
            }
            Err(AccessTokenError::WeChat(WeChatError::NotSubscribed)) => {
                tracing::info!(template = %template.template_id, "the user has no acceptance left (43101)");
                self.store
                    .drop_subscription(openid, &template.template_id)
                    .await?;
                Ok(Delivery::NotAllowed)
            }
            Err(err) => {
                self.store
                    .give_back_subscription(openid, &template.template_id)
                    .await?;
                Err(err.into())
            }
        }
    }
}

impl Build for Notifier {
    async fn build(startup: &Startup) -> Result<Self, ConfigError> {
        let templates = crate::wechat::settings::subscribe_templates(&startup.env)?;
        if templates.is_empty() {
            // No template: no WeChat client to build at cold start.
            return Ok(Notifier::off());
        }
        Ok(Notifier::new(
            startup.store(),
            startup.access_tokens().await?,
            templates,
            crate::wechat::settings::miniprogram_state(&startup.env)?,
            startup.clock(),
        ))
    }
}

impl Build for Subscriptions {
    async fn build(startup: &Startup) -> Result<Self, ConfigError> {
        Ok(Subscriptions::new(
            startup.store(),
            crate::wechat::settings::subscribe_templates(&startup.env)?,
        ))
    }
}
