//! WeChat Pay API v3: the merchant's signatures (requests and `wx.requestPayment`'s `paySign`),
//! the verification of WeChat Pay's own signatures (responses and notifications), and the
//! decryption of notification resources. The HTTP client that uses them comes with the payment flow.

pub mod bills;
pub mod client;
pub mod crypto;
