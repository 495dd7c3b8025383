//! The WeChat platform services' settings: subscribe message templates, the message push's keys, the policy for texts WeChat cannot check.

use crate::domain::notices::NoticeTemplates;
use crate::infra::wechat::MiniProgramState;
use crate::runtime::config::{ConfigError, Env};
use crate::wechat::content_checks::Unchecked;

/// The variables this area reads.
pub mod vars {
    /// The subscribe message template of each order event (JSON; see `domain::notices`).
    pub const SUBSCRIBE_TEMPLATES: &str = "SUBSCRIBE_TEMPLATES";
    /// Which mini-program version subscribe messages open: `formal` (default), `trial`, `developer`.
    pub const SUBSCRIBE_MINIPROGRAM_STATE: &str = "SUBSCRIBE_MINIPROGRAM_STATE";
    /// The token of WeChat's message push (the mini-program's 消息推送 settings; wechat-push only).
    pub const WECHAT_PUSH_TOKEN: &str = "WECHAT_PUSH_TOKEN";
    /// The EncodingAESKey of the message push in safe mode (optional; wechat-push only).
    pub const WECHAT_PUSH_AES_KEY: &str = "WECHAT_PUSH_AES_KEY";
}

/// The subscribe message templates (none: no message is ever sent).
pub fn subscribe_templates(env: &Env) -> Result<NoticeTemplates, ConfigError> {
    env.get(vars::SUBSCRIBE_TEMPLATES)
        .map(|json| {
            NoticeTemplates::parse(json).map_err(|reason| ConfigError::Invalid {
                name: vars::SUBSCRIBE_TEMPLATES,
                reason,
            })
        })
        .unwrap_or_else(|| Ok(NoticeTemplates::default()))
}

/// Which mini-program version subscribe messages open.
pub fn miniprogram_state(env: &Env) -> Result<MiniProgramState, ConfigError> {
    let text = env.get(vars::SUBSCRIBE_MINIPROGRAM_STATE).unwrap_or("formal");
    MiniProgramState::parse(text).ok_or_else(|| ConfigError::Invalid {
        name: vars::SUBSCRIBE_MINIPROGRAM_STATE,
        reason: "must be formal, trial or developer".into(),
    })
}

pub fn unchecked_policy(env: &Env, name: &'static str, default: Unchecked) -> Result<Unchecked, ConfigError> {
    match env.get(name) {
        None => Ok(default),
        Some("refuse") => Ok(Unchecked::Refuse),
        Some("accept") => Ok(Unchecked::Accept),
        Some(_) => Err(ConfigError::Invalid {
            name,
            reason: "must be refuse or accept".into(),
        }),
    }
}
