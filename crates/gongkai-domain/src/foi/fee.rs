//! 信息处理费 under Art. 42 and 国办函〔2020〕109号《政府信息公开信息处理费管理办法》.
//!
//! Two methods, one per application, both progressive (超额累进):
//! - 按件 (Art. 4): per applicant and natural month, cumulative: the first 10 件 free, 件 11–30 at 100 元,
//!   from the 31st every further 10 件 one tier dearer by 100 元 (31–40: 200 元, 41–50: 300 元, …);
//! - 按量 (Art. 5): per application, pages: 1–30 free, 31–100 at 10 元, 101–200 at 20 元, from 201 at 40 元.
//!
//! The thresholds are configuration ([`FeeSchedule`]); the defaults are the 109号 values. Whether an agency
//! charges at all is its decision (Art. 42: only when 数量、频次明显超过合理范围).

/// Configurable tiers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeeSchedule {
    /// 按件: free items per applicant and month.
    pub free_items: u32,
    /// 按件: last item of the first paid tier, and its price in 元.
    pub first_tier_to: u32,
    pub first_tier_price: u32,
    /// 按件: size of each further tier and how much dearer each is.
    pub tier_size: u32,
    pub tier_step: u32,
    /// 按量: `(last page of the tier, price per page)`, ascending; pages beyond the last tier pay `top_page_price`.
    pub page_tiers: Vec<(u32, u32)>,
    pub top_page_price: u32,
    /// Working days the applicant has to pay.
    pub payment_days: u32,
}

impl Default for FeeSchedule {
    fn default() -> Self {
        FeeSchedule {
            free_items: 10,
            first_tier_to: 30,
            first_tier_price: 100,
            tier_size: 10,
            tier_step: 100,
            page_tiers: vec![(30, 0), (100, 10), (200, 20)],
            top_page_price: 40,
            payment_days: 20,
        }
    }
}

impl FeeSchedule {
    /// Price of the `n`-th item (1-based) of an applicant's month.
    pub fn item_price(&self, n: u32) -> u32 {
        if n <= self.free_items {
            0
        } else if n <= self.first_tier_to {
            self.first_tier_price
        } else {
            let tier = (n - self.first_tier_to - 1) / self.tier_size.max(1) + 1;
            self.first_tier_price + tier * self.tier_step
        }
    }

    /// 按件: the fee in 元 for `items` new items when the applicant already had `before` this month.
    pub fn by_items(&self, before: u32, items: u32) -> u32 {
        (before + 1..=before + items).map(|n| self.item_price(n)).sum()
    }

    /// 按量: pages free of charge (the leading tiers priced 0).
    pub fn free_pages(&self) -> u32 {
        self.page_tiers.iter().take_while(|t| t.1 == 0).last().map_or(0, |t| t.0)
    }

    /// 按量: the fee in 元 for `pages` pages.
    pub fn by_pages(&self, pages: u32) -> u32 {
        (1..=pages).map(|p| self.page_tiers.iter().find(|(to, _)| p <= *to).map_or(self.top_page_price, |t| t.1)).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn item_tiers_follow_109() {
        let f = FeeSchedule::default();
        assert_eq!(f.item_price(10), 0);
        assert_eq!(f.item_price(11), 100);
        assert_eq!(f.item_price(30), 100);
        assert_eq!(f.item_price(31), 200);
        assert_eq!(f.item_price(35), 200);
        assert_eq!(f.item_price(41), 300);
        assert_eq!(f.by_items(0, 10), 0);
        assert_eq!(f.by_items(8, 5), 300);
        assert_eq!(f.by_items(0, 35), 20 * 100 + 5 * 200);
    }

    #[test]
    fn page_tiers_follow_109() {
        let f = FeeSchedule::default();
        assert_eq!(f.free_pages(), 30);
        assert_eq!(f.by_pages(30), 0);
        assert_eq!(f.by_pages(31), 10);
        assert_eq!(f.by_pages(100), 700);
        assert_eq!(f.by_pages(101), 720);
        assert_eq!(f.by_pages(201), 700 + 2000 + 40);
    }
}
