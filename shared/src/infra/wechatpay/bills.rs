//! WeChat Pay's daily bills: applied for with a signed request (its JSON answer verified like
//! every answer), downloaded from the `download_url` it gives with another signed request,
//! decompressed, and checked against the SHA1 the answer named, since the file itself is not
//! signed.

use std::io::Read as _;
use std::time::Duration;

use serde::Deserialize;

use super::client::{PayError, WeChatPayClient};

/// The longest compressed file accepted (a day of a large shop is a few megabytes).
const MAX_COMPRESSED: usize = 64 << 20;
/// The longest decompressed file accepted: well within the function's memory.
const MAX_BILL: usize = 192 << 20;
/// How long a download may take (the URL is valid for about 30 s).
const DOWNLOAD_TIMEOUT: Duration = Duration::from_secs(30);

/// Which bill.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BillKind {
    /// Every payment and refund of the day (`tradebill`, `bill_type=ALL`).
    Trade,
    /// Every movement of the basic account (`fundflowbill`, `account_type=BASIC`).
    FundFlow,
}

impl BillKind {
    fn name(self) -> &'static str {
        match self {
            Self::Trade => "trade",
            Self::FundFlow => "fund-flow",
        }
    }

    /// The path and query that apply for the bill of `date` (`YYYY-MM-DD`).
    fn path(self, date: &str) -> String {
        match self {
            Self::Trade => format!("/v3/bill/tradebill?bill_date={date}&bill_type=ALL&tar_type=GZIP"),
            Self::FundFlow => {
                format!("/v3/bill/fundflowbill?bill_date={date}&account_type=BASIC&tar_type=GZIP")
            }
        }
    }
}

/// Why a bill could not be had.
#[derive(Debug, thiserror::Error)]
pub enum BillError {
    #[error(transparent)]
    Pay(#[from] PayError),
    /// `STATEMENT_CREATING`: asked before WeChat Pay finished it (after 10:00 Beijing time).
    #[error("the {0} bill is not ready yet; run again later")]
    NotReady(&'static str),
    /// The decompressed file's SHA1 is not the one the signed answer gave: not believed.
    #[error("the {kind} bill's SHA1 is {actual}, not the {expected} WeChat Pay's answer gave")]
    HashMismatch {
        kind: &'static str,
        expected: String,
        actual: String,
    },
    #[error("the {kind} bill cannot be read: {reason}")]
    Unreadable { kind: &'static str, reason: String },
}

#[derive(Deserialize)]
struct Application {
    hash_type: String,
    hash_value: String,
    download_url: String,
}

impl WeChatPayClient {
    /// The decompressed bill of `kind` for `date` (`YYYY-MM-DD`, a Beijing day), its SHA1
    /// checked; `None` when WeChat Pay has none (`NO_STATEMENT_EXIST`: no business that day).
    #[tracing::instrument(skip(self))]
    pub async fn bill(&self, kind: BillKind, date: &str) -> Result<Option<Vec<u8>>, BillError> {
        const CONTEXT: &str = "applying for a bill";
        let answer = match self.call(CONTEXT, "GET", &kind.path(date), String::new()).await {
            Ok(answer) => answer,
            Err(PayError::Rejected { code, .. }) if code == "NO_STATEMENT_EXIST" => return Ok(None),
            Err(PayError::Rejected { code, .. }) if code == "STATEMENT_CREATING" => {
                return Err(BillError::NotReady(kind.name()));
            }
            Err(err) => return Err(err.into()),
        };
        let unreadable = |reason: String| BillError::Unreadable {
            kind: kind.name(),
            reason,
        };
        let application: Application = serde_json::from_slice(&answer)
            .map_err(|e| unreadable(format!("the application's answer: {e}")))?;
        if !application.hash_type.eq_ignore_ascii_case("SHA1") {
            return Err(unreadable(format!("unknown hash type {}", application.hash_type)));
        }
        let compressed = self
            .download(
                "downloading a bill",
                &application.download_url,
                MAX_COMPRESSED,
                DOWNLOAD_TIMEOUT,
            )
            .await?;
        let mut bill = Vec::new();
        flate2::read::GzDecoder::new(compressed.as_slice())
            .take(MAX_BILL as u64 + 1)
            .read_to_end(&mut bill)
            .map_err(|e| unreadable(format!("not gzip: {e}")))?;
        if bill.len() > MAX_BILL {
            return Err(unreadable(format!("larger than {MAX_BILL} bytes decompressed")));
        }
        let actual = sha1_hex(&bill);
        if !actual.eq_ignore_ascii_case(&application.hash_value) {
            return Err(BillError::HashMismatch {
                kind: kind.name(),
                expected: application.hash_value,
                actual,
            });
        }
        Ok(Some(bill))
    }
}

/// The SHA1 of `data`, lowercase hex (WeChat Pay's bill hash; SHA1 is its choice, not ours).
pub fn sha1_hex(data: &[u8]) -> String {
    hex::encode(aws_lc_rs::digest::digest(
        &aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY,
        data,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bills_hash_is_sha1_as_wechat_pay_writes_it() {
        // FIPS 180-1's first example.
        assert_eq!(sha1_hex(b"abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
    }

    #[test]
    fn the_applications_ask_for_every_row_gzipped() {
        assert_eq!(
            BillKind::Trade.path("2026-11-20"),
            "/v3/bill/tradebill?bill_date=2026-11-20&bill_type=ALL&tar_type=GZIP"
        );
        assert_eq!(
            BillKind::FundFlow.path("2026-11-20"),
            "/v3/bill/fundflowbill?bill_date=2026-11-20&account_type=BASIC&tar_type=GZIP"
        );
    }
}
