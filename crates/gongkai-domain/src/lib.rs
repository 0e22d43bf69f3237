//! Pure rules of gongkai (公开): no IO, no async, no clock.
//!
//! Everything here is deterministic: "now", random bytes and calendars are passed in by the caller,
//! so every rule can be tested for any date. The service layer turns these rules into use cases.

pub mod account;
pub mod audit;
pub mod docnumber;
pub mod document;
pub mod error;
pub mod foi;
pub mod foi_report;
pub mod interp;
pub mod org;
pub mod password;
pub mod qa;
pub mod review;
pub mod role;
pub mod screen;
pub mod textnorm;
pub mod totp;
pub mod workday;

pub use error::{FieldError, Invalid};
