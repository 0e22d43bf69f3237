//! Statistics on disclosure applications (依申请公开统计) for supervisors: volume, timeliness, outcomes and
//! disputes over a period, for an organisation's subtree and for each of its direct sub-organisations.
//!
//! Definitions (shown beside the figures on the console page, so a reader can check them by hand):
//! - 收到申请 (`received`): applications whose receipt date lies in the period;
//! - 办结 (`closed`): of those, the ones closed (on any day up to today);
//! - 按期办结率 (`on_time_rate`): closed on or before their statutory due date, over the closed ones that have a
//!   due date (imported legacy records without one are counted as 无法判断 and left out of the rate);
//! - 逾期未办结 (`overdue_open`): still open and today is past their due date;
//! - 复议诉讼率 (`dispute_rate`): applications with at least one 行政复议 or 行政诉讼 case, over received;
//! - 被纠错率 (`corrected_rate`): 复议/诉讼 cases decided 纠正, over cases decided (维持 + 纠正 + 其他);
//!   complaints (投诉) are counted apart and enter neither rate.

use chrono::{Datelike, NaiveDate};

use super::{CaseKind, CaseResult, Outcome, OutcomeGroup};

/// What the statistics need of one application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatRecord {
    /// Which bucket (e.g. the direct sub-organisation) the application belongs to.
    pub bucket: usize,
    pub application_id: i64,
    pub received_on: NaiveDate,
    pub due_on: Option<NaiveDate>,
    pub closed_on: Option<NaiveDate>,
    pub outcome: Option<Outcome>,
}

/// What the statistics need of one dispute case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatCase {
    pub application_id: i64,
    pub kind: CaseKind,
    pub result: CaseResult,
}

/// Counts for one bucket or for the whole subtree.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Figures {
    pub received: u64,
    pub closed: u64,
    pub open: u64,
    pub overdue_open: u64,
    pub closed_on_time: u64,
    pub closed_late: u64,
    /// Closed without a due date (imported records).
    pub closed_undetermined: u64,
    /// Applications with at least one 复议/诉讼 case.
    pub disputed: u64,
    pub complaints: u64,
    pub cases_decided: u64,
    pub cases_corrected: u64,
    pub cases_pending: u64,
}

impl Figures {
    /// 按期办结率 in per mille, `None` when nothing closed with a due date.
    pub fn on_time_permille(&self) -> Option<u64> {
        permille(self.closed_on_time, self.closed_on_time + self.closed_late)
    }

    /// 复议诉讼率 in per mille of received applications.
    pub fn dispute_permille(&self) -> Option<u64> {
        permille(self.disputed, self.received)
    }

    /// 被纠错率 in per mille of decided cases.
    pub fn corrected_permille(&self) -> Option<u64> {
        permille(self.cases_corrected, self.cases_decided)
    }
}

fn permille(part: u64, whole: u64) -> Option<u64> {
    (whole > 0).then(|| (part * 1000 + whole / 2) / whole)
}

/// Formats a per-mille value as a percentage with one decimal (`"87.5%"`), `—` when undefined.
pub fn percent(v: Option<u64>) -> String {
    v.map_or_else(|| "—".to_owned(), |v| format!("{}.{}%", v / 10, v % 10))
}

/// One calendar month of the period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthCount {
    /// `YYYY-MM`.
    pub month: String,
    pub received: u64,
    pub closed: u64,
}

/// The computed statistics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoiStats {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub total: Figures,
    /// Per bucket, in bucket order.
    pub buckets: Vec<Figures>,
    /// Receipts and closures per month of the period (closures counted in the month they happened, for
    /// applications received in the period).
    pub months: Vec<MonthCount>,
    /// Closed applications per outcome group and per outcome (only outcomes that occur), in table-3 order.
    pub groups: Vec<(OutcomeGroup, u64)>,
    pub outcomes: Vec<(Outcome, u64)>,
}

/// Computes the statistics for applications received in `from..=to`, as of `today`, over `buckets` buckets.
pub fn compute(
    records: &[StatRecord],
    cases: &[StatCase],
    from: NaiveDate,
    to: NaiveDate,
    today: NaiveDate,
    buckets: usize,
) -> FoiStats {
    let in_period: Vec<&StatRecord> = records.iter().filter(|r| r.received_on >= from && r.received_on <= to).collect();
    let mut total = Figures::default();
    let mut per = vec![Figures::default(); buckets];
    let mut months = month_list(from, to);
    let mut outcome_counts = [0u64; Outcome::ALL.len()];
    let mut bucket_of = std::collections::HashMap::new();
    for r in &in_period {
        bucket_of.insert(r.application_id, r.bucket);
        let mut f = Figures { received: 1, ..Figures::default() };
        if let Some(m) = months.iter_mut().find(|m| m.month == month_key(r.received_on)) {
            m.received += 1;
        }
        match r.closed_on {
            Some(c) => {
                f.closed = 1;
                match r.due_on {
                    Some(d) if c <= d => f.closed_on_time = 1,
                    Some(_) => f.closed_late = 1,
                    None => f.closed_undetermined = 1,
                }
                if let Some(m) = months.iter_mut().find(|m| m.month == month_key(c)) {
                    m.closed += 1;
                }
                if let Some(i) = r.outcome.and_then(|o| Outcome::ALL.iter().position(|x| *x == o)) {
                    outcome_counts[i] += 1;
                }
            }
            None => {
                f.open = 1;
                if r.due_on.is_some_and(|d| today > d) {
                    f.overdue_open = 1;
                }
            }
        }
        add(&mut total, &f);
        if let Some(b) = per.get_mut(r.bucket) {
            add(b, &f);
        }
    }
    let mut disputed = std::collections::HashSet::new();
    for c in cases {
        let Some(&bucket) = bucket_of.get(&c.application_id) else { continue };
        let mut f = Figures::default();
        if matches!(c.kind, CaseKind::Complaint) {
            f.complaints = 1;
        } else {
            if disputed.insert(c.application_id) {
                f.disputed = 1;
            }
            match c.result {
                CaseResult::Pending => f.cases_pending = 1,
                CaseResult::Corrected => {
                    f.cases_decided = 1;
                    f.cases_corrected = 1;
                }
                CaseResult::Upheld | CaseResult::Other => f.cases_decided = 1,
            }
        }
        add(&mut total, &f);
        if let Some(b) = per.get_mut(bucket) {
            add(b, &f);
        }
    }
    let outcomes: Vec<(Outcome, u64)> =
        Outcome::ALL.iter().zip(outcome_counts).filter(|(_, n)| *n > 0).map(|(o, n)| (*o, n)).collect();
    let mut groups: Vec<(OutcomeGroup, u64)> = Vec::new();
    for (o, n) in &outcomes {
        match groups.iter_mut().find(|(g, _)| *g == o.group()) {
            Some(g) => g.1 += n,
            None => groups.push((o.group(), *n)),
        }
    }
    FoiStats { from, to, total, buckets: per, months, groups, outcomes }
}

fn add(into: &mut Figures, f: &Figures) {
    into.received += f.received;
    into.closed += f.closed;
    into.open += f.open;
    into.overdue_open += f.overdue_open;
    into.closed_on_time += f.closed_on_time;
    into.closed_late += f.closed_late;
    into.closed_undetermined += f.closed_undetermined;
    into.disputed += f.disputed;
    into.complaints += f.complaints;
    into.cases_decided += f.cases_decided;
    into.cases_corrected += f.cases_corrected;
    into.cases_pending += f.cases_pending;
}

fn month_key(d: NaiveDate) -> String {
    format!("{:04}-{:02}", d.year(), d.month())
}

/// Every month from `from` to `to` (at most 120, the newest kept).
fn month_list(from: NaiveDate, to: NaiveDate) -> Vec<MonthCount> {
    let mut out = Vec::new();
    let (mut y, mut m) = (from.year(), from.month());
    while (y, m) <= (to.year(), to.month()) {
        out.push(MonthCount { month: format!("{y:04}-{m:02}"), received: 0, closed: 0 });
        (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    }
    let skip = out.len().saturating_sub(120);
    out.split_off(skip)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn rec(id: i64, bucket: usize, received: &str, due: Option<&str>, closed: Option<&str>) -> StatRecord {
        StatRecord {
            bucket,
            application_id: id,
            received_on: d(received),
            due_on: due.map(d),
            closed_on: closed.map(d),
            outcome: closed.map(|_| Outcome::Granted),
        }
    }

    #[test]
    fn counts_timeliness_and_disputes_by_hand() {
        let records = vec![
            rec(1, 0, "2026-01-05", Some("2026-02-02"), Some("2026-01-20")), // on time
            rec(2, 0, "2026-01-10", Some("2026-02-07"), Some("2026-02-09")), // late
            rec(3, 1, "2026-02-01", Some("2026-03-01"), None),               // open, overdue at today
            rec(4, 1, "2026-03-01", None, Some("2026-03-10")),               // imported: undetermined
            rec(5, 1, "2025-12-31", Some("2026-01-29"), Some("2026-01-02")), // outside the period
            rec(6, 0, "2026-03-20", Some("2026-04-17"), None),               // open, not yet due
        ];
        let cases = vec![
            StatCase { application_id: 1, kind: CaseKind::Reconsideration, result: CaseResult::Corrected },
            StatCase { application_id: 1, kind: CaseKind::LitigationDirect, result: CaseResult::Upheld },
            StatCase { application_id: 2, kind: CaseKind::Complaint, result: CaseResult::Other },
            StatCase { application_id: 3, kind: CaseKind::LitigationDirect, result: CaseResult::Pending },
            StatCase { application_id: 5, kind: CaseKind::Reconsideration, result: CaseResult::Corrected },
        ];
        let s = compute(&records, &cases, d("2026-01-01"), d("2026-03-31"), d("2026-04-01"), 2);
        let t = &s.total;
        assert_eq!((t.received, t.closed, t.open, t.overdue_open), (5, 3, 2, 1));
        assert_eq!((t.closed_on_time, t.closed_late, t.closed_undetermined), (1, 1, 1));
        assert_eq!(t.on_time_permille(), Some(500));
        // Applications 1 and 3 disputed (2's complaint does not count; 5 is outside the period).
        assert_eq!((t.disputed, t.complaints), (2, 1));
        assert_eq!(t.dispute_permille(), Some(400));
        assert_eq!((t.cases_decided, t.cases_corrected, t.cases_pending), (2, 1, 1));
        assert_eq!(percent(t.corrected_permille()), "50.0%");
        assert_eq!(s.buckets[0].received, 3);
        assert_eq!(s.buckets[1].received, 2);
        assert_eq!(s.buckets[1].overdue_open, 1);
        assert_eq!(s.buckets.iter().map(|b| b.received).sum::<u64>(), t.received);
        let months: Vec<_> = s.months.iter().map(|m| (m.month.as_str(), m.received, m.closed)).collect();
        assert_eq!(months, vec![("2026-01", 2, 1), ("2026-02", 1, 1), ("2026-03", 2, 1)]);
        assert_eq!(s.outcomes, vec![(Outcome::Granted, 3)]);
    }

    #[test]
    fn empty_period_has_undefined_rates() {
        let s = compute(&[], &[], d("2026-01-01"), d("2026-12-31"), d("2026-06-01"), 0);
        assert_eq!(s.months.len(), 12);
        assert_eq!(percent(s.total.on_time_permille()), "—");
    }
}
