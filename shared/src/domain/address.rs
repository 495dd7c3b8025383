//! Delivery addresses: the object `wx.chooseAddress` answers, checked field by field, kept on an
//! order as a snapshot, shown in full to its owner and masked in lists. The name, the phone
//! number and the detail are personal data: their `Debug` is masked, so a log never carries them.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::text::check_shown_text;
use super::users::mask_phone;

/// The longest receiver name, in characters.
pub const NAME_MAX_CHARS: usize = 40;
/// The longest detail (street, building, room), in characters.
pub const DETAIL_MAX_CHARS: usize = 200;
/// The longest region name (province, city, county, street), in characters.
pub const REGION_MAX_CHARS: usize = 40;

/// An address as the client sends it: `wx.chooseAddress`'s answer as it is (its `errMsg` and
/// any field WeChat adds later are ignored).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AddressInput {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tel_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub province_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub county_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail_info: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub national_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub street_name: Option<String>,
}

/// A checked delivery address: every field trimmed and bounded, no control or format character,
/// a telephone number of mainland China.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Address {
    pub user_name: String,
    pub tel_number: String,
    pub province_name: String,
    pub city_name: String,
    pub county_name: String,
    /// Empty in a masked address.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub detail_info: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub national_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub street_name: Option<String>,
}

/// Why an address was refused: the field (`address.telNumber`) and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct AddressError {
    pub field: &'static str,
    pub reason: String,
}

fn refuse(field: &'static str, reason: impl Into<String>) -> AddressError {
    AddressError {
        field,
        reason: reason.into(),
    }
}

/// A required text field: trimmed, 1..=`max` characters, nothing invisible.
fn text(field: &'static str, value: Option<&str>, max: usize) -> Result<String, AddressError> {
    let value = value.map(str::trim).unwrap_or_default();
    if value.is_empty() {
        return Err(refuse(field, "is required"));
    }
    optional_text(field, Some(value), max).map(Option::unwrap_or_default)
}

/// An optional text field: absent or blank is `None`; otherwise as [`text`].
fn optional_text(
    field: &'static str,
    value: Option<&str>,
    max: usize,
) -> Result<Option<String>, AddressError> {
    let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    if value.chars().count() > max {
        return Err(refuse(field, format!("must be at most {max} characters")));
    }
    check_shown_text(value, false).map_err(|reason| refuse(field, reason))?;
    Ok(Some(value.to_owned()))
}

/// A mainland telephone number: a mobile (11 digits starting with 1) or a landline with its area
/// code (`010-12345678`, `0755-1234567`, an extension after a second `-`), optionally after `+86`.
/// Spaces are dropped; what is kept is the number as dialled within China.
fn tel_number(value: Option<&str>) -> Result<String, AddressError> {
    const FIELD: &str = "address.telNumber";
    let compact: String = value
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    if compact.is_empty() {
        return Err(refuse(FIELD, "is required"));
    }
    let local = compact
        .strip_prefix("+86")
        .or_else(|| compact.strip_prefix("0086"))
        .map(|rest| rest.trim_start_matches('-'))
        .unwrap_or(&compact);
    let digits = |s: &str, range: std::ops::RangeInclusive<usize>| {
        range.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
    };
    let mobile = local.len() == 11 && local.starts_with('1') && digits(local, 11..=11);
    let landline = {
        let mut parts = local.split('-');
        match (parts.next(), parts.next(), parts.next(), parts.next()) {
            (Some(area), Some(number), extension, None) => {
                area.starts_with('0')
                    && digits(area, 3..=4)
                    && digits(number, 7..=8)
                    && extension.is_none_or(|e| digits(e, 1..=6))
            }
            // Written without the hyphen: the area code and the number run together.
            (Some(whole), None, None, None) => whole.starts_with('0') && digits(whole, 10..=12),
            _ => false,
        }
    };
    if mobile || landline {
        Ok(local.to_owned())
    } else {
        Err(refuse(
            FIELD,
            "must be a mainland mobile number (11 digits starting with 1) or a landline with its area code (010-12345678)",
        ))
    }
}

impl Address {
    /// Checks `input` field by field; the first field that is wrong is named.
    pub fn parse(input: &AddressInput) -> Result<Self, AddressError> {
        let digits_only = |field: &'static str, value: Option<String>, max: usize| match value {
            Some(v) if v.len() > max || !v.bytes().all(|b| b.is_ascii_digit()) => {
                Err(refuse(field, format!("must be at most {max} digits")))
            }
            other => Ok(other),
        };
        Ok(Self {
            user_name: text("address.userName", input.user_name.as_deref(), NAME_MAX_CHARS)?,
            tel_number: tel_number(input.tel_number.as_deref())?,
            province_name: text(
                "address.provinceName",
                input.province_name.as_deref(),
                REGION_MAX_CHARS,
            )?,
            city_name: text("address.cityName", input.city_name.as_deref(), REGION_MAX_CHARS)?,
            county_name: text(
                "address.countyName",
                input.county_name.as_deref(),
                REGION_MAX_CHARS,
            )?,
            detail_info: text(
                "address.detailInfo",
                input.detail_info.as_deref(),
                DETAIL_MAX_CHARS,
            )?,
            postal_code: digits_only(
                "address.postalCode",
                optional_text("address.postalCode", input.postal_code.as_deref(), 10)?,
                10,
            )?,
            national_code: digits_only(
                "address.nationalCode",
                optional_text("address.nationalCode", input.national_code.as_deref(), 12)?,
                12,
            )?,
            street_name: optional_text(
                "address.streetName",
                input.street_name.as_deref(),
                REGION_MAX_CHARS,
            )?,
        })
    }

    /// The address as a list shows it: the name's first character (`张*`), the phone's first three
    /// and last four digits (`138****1234`), the regions down to the district, no detail.
    pub fn masked(&self) -> Self {
        let mut name = self.user_name.chars();
        let first: String = name.next().into_iter().collect();
        let hidden = name.count().max(1);
        let digits: String = self.tel_number.chars().filter(char::is_ascii_digit).collect();
        Self {
            user_name: format!("{first}{}", "*".repeat(hidden)),
            tel_number: mask_phone(&digits),
            province_name: self.province_name.clone(),
            city_name: self.city_name.clone(),
            county_name: self.county_name.clone(),
            detail_info: String::new(),
            postal_code: None,
            national_code: None,
            street_name: None,
        }
    }

    /// The receiver's number masked as WeChat's shipping report asks (`receiver_contact`).
    pub fn masked_tel(&self) -> String {
        self.masked().tel_number
    }
}

/// Masked, so that a `{:?}` in a log line never carries the name, the number or the detail.
impl fmt::Debug for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let masked = self.masked();
        f.debug_struct("Address")
            .field("user_name", &masked.user_name)
            .field("tel_number", &masked.tel_number)
            .field("province_name", &self.province_name)
            .field("city_name", &self.city_name)
            .field("county_name", &self.county_name)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> AddressInput {
        AddressInput {
            user_name: Some(" 张三 ".into()),
            tel_number: Some("13800138000".into()),
            province_name: Some("广东省".into()),
            city_name: Some("广州市".into()),
            county_name: Some("天河区".into()),
            detail_info: Some("体育西路 103 号 2 栋 1201".into()),
            postal_code: Some("510000".into()),
            national_code: Some("440106".into()),
            street_name: None,
        }
    }

    #[test]
    fn a_chosen_address_is_trimmed_and_kept() {
        let address = Address::parse(&input()).unwrap();
        assert_eq!(address.user_name, "张三");
        assert_eq!(address.tel_number, "13800138000");
        assert_eq!(address.postal_code.as_deref(), Some("510000"));
    }

    #[test]
    fn telephone_numbers_are_mainland_mobiles_or_landlines_with_an_area_code() {
        for good in [
            "13800138000",
            "+86 138 0013 8000",
            "+86-13800138000",
            "010-12345678",
            "0755-1234567",
            "0755-1234567-89",
            "07551234567",
        ] {
            let mut input = input();
            input.tel_number = Some(good.into());
            assert!(Address::parse(&input).is_ok(), "{good}");
        }
        for bad in [
            "",
            "1380013800",
            "23800138000",
            "12345678",
            "010-123",
            "+1 4155550100",
            "138001380001",
            "010-12345678-1234567",
            "１３８００１３８０００",
        ] {
            let mut input = input();
            input.tel_number = Some(bad.into());
            let err = Address::parse(&input).unwrap_err();
            assert_eq!(err.field, "address.telNumber", "{bad}");
        }
    }

    #[test]
    fn each_field_is_required_bounded_and_free_of_hidden_characters() {
        type Set = fn(&mut AddressInput, Option<String>);
        let fields: [(&str, Set, usize); 5] = [
            ("address.userName", |i, v| i.user_name = v, NAME_MAX_CHARS),
            (
                "address.provinceName",
                |i, v| i.province_name = v,
                REGION_MAX_CHARS,
            ),
            ("address.cityName", |i, v| i.city_name = v, REGION_MAX_CHARS),
            ("address.countyName", |i, v| i.county_name = v, REGION_MAX_CHARS),
            ("address.detailInfo", |i, v| i.detail_info = v, DETAIL_MAX_CHARS),
        ];
        for (field, set, max) in fields {
            for bad in [
                None,
                Some("   ".to_owned()),
                Some("路".repeat(max + 1)),
                Some("a\u{202E}b".into()),
                Some("a\nb".into()),
            ] {
                let mut input = input();
                set(&mut input, bad.clone());
                let err = Address::parse(&input).unwrap_err();
                assert_eq!(err.field, field, "{bad:?}");
            }
            let mut input = input();
            set(&mut input, Some("路".repeat(max)));
            assert!(Address::parse(&input).is_ok(), "{field} at its limit");
        }
        let mut input = input();
        input.postal_code = Some("51000a".into());
        assert_eq!(Address::parse(&input).unwrap_err().field, "address.postalCode");
    }

    #[test]
    fn a_masked_address_shows_the_first_character_the_phone_ends_and_the_district() {
        let address = Address::parse(&input()).unwrap();
        let masked = address.masked();
        assert_eq!(masked.user_name, "张*");
        assert_eq!(masked.tel_number, "138****8000");
        assert_eq!(masked.county_name, "天河区");
        let json = serde_json::to_value(&masked).unwrap();
        assert!(
            json.get("detailInfo").is_none() && json.get("postalCode").is_none(),
            "{json}"
        );
        let one_char = Address {
            user_name: "李".into(),
            ..address.clone()
        };
        assert_eq!(one_char.masked().user_name, "李*");
    }

    #[test]
    fn debug_output_never_carries_the_name_the_number_or_the_detail() {
        let address = Address::parse(&input()).unwrap();
        let debug = format!("{address:?}");
        assert!(
            !debug.contains("张三") && !debug.contains("13800138000") && !debug.contains("体育西路"),
            "{debug}"
        );
    }
}
