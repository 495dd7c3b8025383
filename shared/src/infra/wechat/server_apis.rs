//! WeChat's server APIs beyond login, called with the shared access token: the token itself
//! (`stable_token`), shipping reports, phone numbers, content checks, subscribe messages and
//! share codes.

use super::*;

/// An access token of the WeChat server API, as `stable_token` answered it.
#[derive(Debug, Clone)]
pub struct AccessToken {
    pub token: Secret,
    /// How long it stays valid from when it was answered.
    pub expires_in: Duration,
}

/// What `upload_shipping_info` reports: one delivery of an order paid with WeChat Pay.
#[derive(Debug, Clone)]
pub struct ShippingReport<'a> {
    pub transaction_id: &'a str,
    pub payer_openid: &'a str,
    /// WeChat's `logistics_type`: 1 express, 2 same-city, 3 virtual goods, 4 self-pickup.
    pub logistics_type: i64,
    /// `None`: the whole order in one parcel (`delivery_mode` 1). `Some(all_delivered)`: a split
    /// delivery (`delivery_mode` 2), `is_all_delivered` true on the one that completes the order.
    pub split: Option<bool>,
    /// The parcels (express), or one entry describing the goods (the other kinds).
    pub shipping_list: Vec<ShippingEntry>,
    /// When, in WeChat's format (RFC 3339 in China time).
    pub upload_time: String,
}

/// One parcel of a shipping report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShippingEntry {
    /// The carrier's code in WeChat's list (`SF`, `ZTO`, ...) and its tracking number: express only.
    pub carrier: Option<String>,
    pub tracking_no: Option<String>,
    /// What it holds (cut to 120 characters).
    pub item_desc: String,
    /// The receiver's phone number, masked (`138****8000`): required by WeChat for SF Express.
    pub receiver_contact: Option<String>,
}

/// The longest `item_desc` WeChat accepts, in characters.
pub const ITEM_DESC_MAX_CHARS: usize = 120;

const STABLE_TOKEN: &str = "stable_token";
const GET_USER_PHONE_NUMBER: &str = "getuserphonenumber";
const MSG_SEC_CHECK: &str = "msg_sec_check";

/// What WeChat's text check (`msg_sec_check` version 2) says of a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextVerdict {
    Pass,
    /// `review` (doubtful) or `risky`, with WeChat's label (e.g. 20001 politics, 20006 crime).
    Refused {
        suggest: String,
        label: i64,
    },
}

/// Where a checked text is shown (`msg_sec_check`'s scene).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextScene {
    /// A profile (nickname).
    Profile = 1,
    /// A comment (an order remark).
    Comment = 2,
}
const UPLOAD_SHIPPING_INFO: &str = "upload_shipping_info";
const GET_DELIVERY_LIST: &str = "get_delivery_list";
const SET_MSG_JUMP_PATH: &str = "set_msg_jump_path";
const SUBSCRIBE_SEND: &str = "subscribe_send";
const GET_WXACODE_UNLIMIT: &str = "getwxacodeunlimit";
const MEDIA_CHECK_ASYNC: &str = "media_check_async";

/// Which version of the mini-program a subscribe message opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MiniProgramState {
    Formal,
    Trial,
    Developer,
}

impl MiniProgramState {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "formal" => Some(Self::Formal),
            "trial" => Some(Self::Trial),
            "developer" => Some(Self::Developer),
            _ => None,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Self::Formal => "formal",
            Self::Trial => "trial",
            Self::Developer => "developer",
        }
    }
}

impl WeChatClient {
    /// The current access token from `POST /cgi-bin/stable_token` (never `/cgi-bin/token`):
    /// normal mode answers the token in force; `force_refresh` (limited by WeChat: rarely, and
    /// 30 s apart) issues a new one and invalidates the old.
    #[tracing::instrument(skip_all, fields(force_refresh))]
    pub async fn stable_token(&self, force_refresh: bool) -> Result<AccessToken, WeChatError> {
        let secret = self.secret(STABLE_TOKEN)?;
        let body = json!({
            "grant_type": "client_credential",
            "appid": self.config.appid,
            "secret": secret.expose(),
            "force_refresh": force_refresh,
        });
        let url = format!("{}/cgi-bin/stable_token", self.config.api_base);
        let answer = self.post(STABLE_TOKEN, url, &body).await?;
        match (answer["access_token"].as_str(), answer["expires_in"].as_u64()) {
            (Some(token), Some(expires_in)) if !token.is_empty() && expires_in > 0 => Ok(AccessToken {
                token: Secret::new(token),
                expires_in: Duration::from_secs(expires_in),
            }),
            _ => Err(unavailable_api(
                STABLE_TOKEN,
                "stable_token answered success without a token and its lifetime",
            )),
        }
    }

    /// Reports an order's shipping to WeChat (发货信息管理): express delivery, in one parcel, keyed
    /// by the WeChat Pay transaction.
    #[tracing::instrument(skip_all)]
    pub async fn upload_shipping_info(
        &self,
        access_token: &Secret,
        report: &ShippingReport<'_>,
    ) -> Result<(), WeChatError> {
        let shipping_list: Vec<_> = report
            .shipping_list
            .iter()
            .map(|entry| {
                let item_desc: String = entry.item_desc.chars().take(ITEM_DESC_MAX_CHARS).collect();
                let mut parcel = json!({ "item_desc": item_desc });
                if let (Some(carrier), Some(tracking_no)) = (&entry.carrier, &entry.tracking_no) {
                    parcel["express_company"] = json!(carrier);
                    parcel["tracking_no"] = json!(tracking_no);
                }
                if let Some(receiver) = &entry.receiver_contact {
                    parcel["contact"] = json!({ "receiver_contact": receiver });
                }
                parcel
            })
            .collect();
        let mut body = json!({
            "order_key": { "order_number_type": 2, "transaction_id": report.transaction_id },
            "logistics_type": report.logistics_type,
            "delivery_mode": if report.split.is_some() { 2 } else { 1 },
            "shipping_list": shipping_list,
            "upload_time": report.upload_time,
            "payer": { "openid": report.payer_openid },
        });
        if let Some(all_delivered) = report.split {
            body["is_all_delivered"] = json!(all_delivered);
        }
        let url = format!(
            "{}/wxa/sec/order/upload_shipping_info?access_token={}",
            self.config.api_base,
            access_token.expose()
        );
        self.post(UPLOAD_SHIPPING_INFO, url, &body).await.map(drop)
    }

    /// WeChat's delivery companies (`get_delivery_list`): `delivery_id` (the code a shipping
    /// report names, `SF`) to `delivery_name` (顺丰速运).
    #[tracing::instrument(skip_all)]
    pub async fn delivery_companies(
        &self,
        access_token: &Secret,
    ) -> Result<std::collections::BTreeMap<String, String>, WeChatError> {
        let url = format!(
            "{}/cgi-bin/express/delivery/open_msg/get_delivery_list?access_token={}",
            self.config.api_base,
            access_token.expose()
        );
        let answer = self.post(GET_DELIVERY_LIST, url, &json!({})).await?;
        let list = answer["delivery_list"].as_array().ok_or_else(|| {
            unavailable_api(GET_DELIVERY_LIST, "get_delivery_list answered no delivery_list")
        })?;
        let companies: std::collections::BTreeMap<String, String> = list
            .iter()
            .filter_map(|company| {
                let code = company["delivery_id"].as_str()?;
                let name = company["delivery_name"].as_str().unwrap_or(code);
                Some((code.to_owned(), name.to_owned()))
            })
            .collect();
        if companies.is_empty() {
            return Err(unavailable_api(
                GET_DELIVERY_LIST,
                "get_delivery_list answered no company",
            ));
        }
        Ok(companies)
    }

    /// Where WeChat's order centre sends a buyer who taps an order (`set_msg_jump_path`): a page
    /// of the mini-program, to which WeChat adds `transaction_id`, `merchant_id` and
    /// `merchant_trade_no` (our order id).
    #[tracing::instrument(skip_all)]
    pub async fn set_order_jump_path(&self, access_token: &Secret, path: &str) -> Result<(), WeChatError> {
        let url = format!(
            "{}/wxa/sec/order/set_msg_jump_path?access_token={}",
            self.config.api_base,
            access_token.expose()
        );
        self.post(SET_MSG_JUMP_PATH, url, &json!({ "path": path }))
            .await
            .map(drop)
    }

    /// The phone number behind a `getPhoneNumber` button's code (single use, 5 minutes). A code
    /// WeChat refuses (40029) or one already used (40163) is [`WeChatError::CodeInvalid`] /
    /// [`WeChatError::CodeUsed`].
    #[tracing::instrument(skip_all)]
    pub async fn user_phone_number(
        &self,
        access_token: &Secret,
        code: &PhoneCode,
    ) -> Result<PhoneNumber, WeChatError> {
        let url = format!(
            "{}/wxa/business/getuserphonenumber?access_token={}",
            self.config.api_base,
            access_token.expose()
        );
        let answer = match self
            .post(GET_USER_PHONE_NUMBER, url, &json!({ "code": code.expose() }))
            .await
        {
            Err(WeChatError::Unexpected {
                errcode: errcode::INVALID_CODE,
                ..
            }) => return Err(WeChatError::CodeInvalid),
            Err(WeChatError::Unexpected {
                errcode: errcode::CODE_USED,
                ..
            }) => return Err(WeChatError::CodeUsed),
            other => other?,
        };
        let info = &answer["phone_info"];
        let number = info["purePhoneNumber"].as_str().unwrap_or_default();
        let country = info["countryCode"].as_str().unwrap_or_default();
        if info["watermark"]["appid"] != self.config.appid.as_str() {
            return Err(unavailable_api(
                GET_USER_PHONE_NUMBER,
                "getuserphonenumber answered a number watermarked for another app",
            ));
        }
        PhoneNumber::parse(number, country).ok_or_else(|| {
            unavailable_api(
                GET_USER_PHONE_NUMBER,
                "getuserphonenumber answered success without a phone number",
            )
        })
    }

    /// Asks WeChat whether `content`, written by `openid` and shown in `scene`, may be shown
    /// (`msg_sec_check` version 2; the user must have opened the mini-program in the last 2 hours).
    #[tracing::instrument(skip_all)]
    pub async fn msg_sec_check(
        &self,
        access_token: &Secret,
        openid: &Openid,
        scene: TextScene,
        content: &str,
    ) -> Result<TextVerdict, WeChatError> {
        let url = format!(
            "{}/wxa/msg_sec_check?access_token={}",
            self.config.api_base,
            access_token.expose()
        );
        let body = json!({
            "version": 2,
            "openid": openid.as_str(),
            "scene": scene as i64,
            "content": content,
        });
        let answer = self.post(MSG_SEC_CHECK, url, &body).await?;
        match answer["result"]["suggest"].as_str() {
            Some("pass") => Ok(TextVerdict::Pass),
            Some(suggest @ ("review" | "risky")) => Ok(TextVerdict::Refused {
                suggest: suggest.to_owned(),
                label: answer["result"]["label"].as_i64().unwrap_or(0),
            }),
            _ => Err(unavailable_api(
                MSG_SEC_CHECK,
                "msg_sec_check answered success without a suggestion",
            )),
        }
    }

    /// Asks WeChat to check the image at `media_url` (public, https in production), uploaded by
    /// `openid` and shown in `scene` (`media_check_async` version 2). Answers the trace id; the
    /// verdict comes later as a `wxa_media_check` push event.
    #[tracing::instrument(skip_all)]
    pub async fn media_check_async(
        &self,
        access_token: &Secret,
        openid: &Openid,
        scene: TextScene,
        media_url: &str,
    ) -> Result<String, WeChatError> {
        let url = format!(
            "{}/wxa/media_check_async?access_token={}",
            self.config.api_base,
            access_token.expose()
        );
        let body = json!({
            "media_url": media_url,
            "media_type": 2,
            "version": 2,
            "openid": openid.as_str(),
            "scene": scene as i64,
        });
        let answer = self.post(MEDIA_CHECK_ASYNC, url, &body).await?;
        answer["trace_id"]
            .as_str()
            .filter(|id| !id.is_empty() && id.len() <= 128)
            .map(str::to_owned)
            .ok_or_else(|| {
                unavailable_api(
                    MEDIA_CHECK_ASYNC,
                    "media_check_async answered success without a trace id",
                )
            })
    }

    /// Sends one subscribe message to `openid` (`/cgi-bin/message/subscribe/send`). A user with no
    /// acceptance left for the template (43101) is [`WeChatError::NotSubscribed`].
    #[tracing::instrument(skip_all)]
    pub async fn subscribe_send(
        &self,
        access_token: &Secret,
        openid: &Openid,
        notice: &Notice,
        state: MiniProgramState,
    ) -> Result<(), WeChatError> {
        let url = format!(
            "{}/cgi-bin/message/subscribe/send?access_token={}",
            self.config.api_base,
            access_token.expose()
        );
        let data: serde_json::Map<String, Value> = notice
            .data
            .iter()
            .map(|(field, value)| (field.clone(), json!({ "value": value })))
            .collect();
        let mut body = json!({
            "touser": openid.as_str(),
            "template_id": notice.template_id,
            "data": data,
            "miniprogram_state": state.as_str(),
            "lang": "zh_CN",
        });
        if let Some(page) = &notice.page {
            body["page"] = json!(page);
        }
        match self.post(SUBSCRIBE_SEND, url, &body).await {
            Err(WeChatError::Unexpected {
                errcode: errcode::NOT_SUBSCRIBED,
                ..
            }) => Err(WeChatError::NotSubscribed),
            other => other.map(drop),
        }
    }

    /// A mini-program code (`getwxacodeunlimit`) opening `page` with `scene`: the PNG's bytes.
    /// Unlimited in number; WeChat answers JSON instead of an image when it refuses.
    #[tracing::instrument(skip_all)]
    pub async fn wxacode_unlimit(
        &self,
        access_token: &Secret,
        code: &CodeRequest<'_>,
    ) -> Result<Vec<u8>, WeChatError> {
        let url = format!(
            "{}/wxa/getwxacodeunlimit?access_token={}",
            self.config.api_base,
            access_token.expose()
        );
        let body = json!({
            "scene": code.scene,
            "page": code.page,
            "check_path": false,
            "env_version": code.env_version,
            "width": code.width,
        });
        match self.exchange(GET_WXACODE_UNLIMIT, url, &body).await? {
            Reply::Image(bytes) if !bytes.is_empty() => Ok(bytes),
            _ => Err(unavailable_api(
                GET_WXACODE_UNLIMIT,
                "getwxacodeunlimit answered success without an image",
            )),
        }
    }
}

/// What a mini-program code opens.
#[derive(Debug, Clone)]
pub struct CodeRequest<'a> {
    /// What the page receives as `options.scene`: at most 32 visible characters.
    pub scene: &'a str,
    /// The page, without a leading `/` (`pages/product/detail`).
    pub page: &'a str,
    /// `release`, `trial` or `develop`.
    pub env_version: &'a str,
    /// The image's width in pixels (280 to 1280).
    pub width: u32,
}
