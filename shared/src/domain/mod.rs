//! Types and rules, no I/O: identities, time, paging, the catalog, orders and their states,
//! users and the upload layout. Nothing here knows HTTP, Lambda, AWS or WeChat.

pub mod address;
pub mod after_sales;
pub mod catalog;
pub mod ids;
pub mod limits;
pub mod notices;
pub mod number;
pub mod operators;
pub mod orders;
pub mod paging;
pub mod reconciliation;
pub mod text;
pub mod time;
pub mod uploads;
pub mod users;

/// A closed set of names: one enum whose variants are spelled once, used by serde, the table
/// and the logs alike. Unknown names are refused, listing the known ones.
macro_rules! closed_set {
    (
        $(#[$meta:meta])*
        pub enum $name:ident { $( $(#[$vmeta:meta])* $variant:ident = $text:literal ),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $( $(#[$vmeta])* $variant ),+ }

        impl $name {
            /// Every member, in declaration order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The member's name, as serialised and stored.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),+ }
            }

            /// The member named `text`, if any.
            pub fn parse(text: &str) -> Option<Self> {
                match text { $($text => Some(Self::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                Self::parse(&text).ok_or_else(|| {
                    let known: Vec<&str> = Self::ALL.iter().map(|m| m.as_str()).collect();
                    serde::de::Error::custom(format!("must be one of {}", known.join(", ")))
                })
            }
        }
    };
}
pub(crate) use closed_set;

/// A validated string newtype: parsed once with `$check`, then trusted everywhere.
/// Serialises as the plain string; deserialising runs the same check.
macro_rules! checked_string {
    ($(#[$meta:meta])* pub struct $name:ident; check = $check:expr, expecting = $expecting:literal $(,)?) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// What a valid value looks like, for error messages.
            pub const EXPECTING: &'static str = $expecting;

            /// `text` if it is valid.
            pub fn parse(text: &str) -> Option<Self> {
                let check: fn(&str) -> bool = $check;
                check(text).then(|| Self(text.to_owned()))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = &'static str;

            fn try_from(value: String) -> Result<Self, Self::Error> {
                let check: fn(&str) -> bool = $check;
                if check(&value) { Ok(Self(value)) } else { Err($expecting) }
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> Self {
                value.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}
pub(crate) use checked_string;

/// 1..=`max` bytes of `A-Z a-z 0-9 _ -`: safe in keys, paths and URLs as it is.
pub(crate) fn is_slug(text: &str, max: usize) -> bool {
    !text.is_empty()
        && text.len() <= max
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}
