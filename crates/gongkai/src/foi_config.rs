//! The `[foi]` configuration section: disclosure on application (依申请公开) — the public form's rate limit,
//! deadline warnings, the default 补正 period and the 109号 fee settings.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Foi {
    /// Online applications one address may submit within `rate_window_minutes`.
    pub rate_limit: u32,
    pub rate_window_minutes: u32,
    /// Warn this many working days before a reply is due.
    pub warn_days: u32,
    /// Default period for the applicant's 补正, in working days.
    pub correction_days: u32,
    /// Working days the applicant has to pay a fee notice.
    pub fee_payment_days: u32,
    /// 109号 按件: free items per applicant and month; 按量: free pages.
    pub fee_free_items: u32,
    pub fee_free_pages: u32,
}

impl Default for Foi {
    fn default() -> Self {
        Foi {
            rate_limit: 5,
            rate_window_minutes: 60,
            warn_days: 5,
            correction_days: 15,
            fee_payment_days: 20,
            fee_free_items: 10,
            fee_free_pages: 30,
        }
    }
}

impl Foi {
    /// Checks the values; each error names the setting.
    pub fn validate(&self) -> Result<(), String> {
        if self.rate_limit == 0 || self.rate_window_minutes == 0 {
            return Err("foi.rate_limit / foi.rate_window_minutes: 至少为 1".into());
        }
        if self.warn_days > 20 {
            return Err("foi.warn_days: 应为 0–20 个工作日".into());
        }
        if self.correction_days == 0 || self.correction_days > 60 {
            return Err("foi.correction_days: 应为 1–60 个工作日".into());
        }
        if self.fee_payment_days == 0 || self.fee_payment_days > 60 {
            return Err("foi.fee_payment_days: 应为 1–60 个工作日".into());
        }
        if self.fee_free_items > 30 || self.fee_free_pages > 100 {
            return Err("foi.fee_free_items / foi.fee_free_pages: 免费额度不能超过收费第一档（30 件 / 100 页）".into());
        }
        Ok(())
    }

    /// The service's settings.
    pub fn service(&self) -> gongkai_service::FoiConfig {
        let mut fees = gongkai_service::domain::foi::fee::FeeSchedule {
            free_items: self.fee_free_items,
            payment_days: self.fee_payment_days,
            ..Default::default()
        };
        if let Some(first) = fees.page_tiers.first_mut() {
            first.0 = self.fee_free_pages;
        }
        gongkai_service::FoiConfig {
            rate_limit: self.rate_limit,
            rate_window_minutes: self.rate_window_minutes,
            warn_days: self.warn_days,
            correction_days: self.correction_days,
            fees,
        }
    }
}
