//! `listCarriers` (GET /admin/carriers): WeChat's delivery companies (`get_delivery_list`, kept in
//! the table), the carriers a parcel may name, for the console's shipping forms.

use serde::Serialize;

use crate::domain::operators::Dispatch;
use crate::fulfilment::platform::ShippingPlatform;
use crate::runtime::http::{NoInput, endpoint};
use crate::runtime::staff::Staff;

/// One delivery company.
#[derive(Debug, Serialize)]
pub struct Carrier {
    /// WeChat's `delivery_id` (`SF`, `ZTO`, ...): what a parcel's `carrier` names.
    pub code: String,
    pub name: String,
}

/// WeChat's delivery companies, by code.
#[derive(Debug, Serialize)]
pub struct CarrierList {
    pub items: Vec<Carrier>,
}

endpoint! {
    /// `GET /admin/carriers`.
    ListCarriers: GET "list-carriers", Staff<Dispatch>, ShippingPlatform, read_only = false;
    fn(platform, _ctx, _input: NoInput) -> CarrierList {
        let list = platform.carriers().await?;
        Ok::<_, crate::ApiError>(CarrierList {
            items: list
                .companies
                .into_iter()
                .map(|(code, name)| Carrier { code, name })
                .collect(),
        })
    }
}
