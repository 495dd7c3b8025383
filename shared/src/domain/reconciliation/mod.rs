//! Reconciliation against WeChat Pay's daily bills, without I/O: exact amounts, the bills'
//! format, the money book's entries, the matching and its report.

pub mod bills;
pub mod date;
pub mod ledger;
pub mod matching;
pub mod money;
pub mod report;

#[cfg(test)]
mod tests;
