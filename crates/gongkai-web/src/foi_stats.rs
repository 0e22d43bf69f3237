//! Statistics on disclosure applications for supervisors (依申请公开统计): `/admin/foi/stats` (figures per
//! sub-organisation, a month-by-month chart drawn as server-side SVG with the same numbers in a table, outcome
//! counts, dispute and 被纠错 rates) and `GET /api/v1/applications/stats` (the same figures as JSON).
//! The definitions are those of `gongkai_domain::foi::stats` and are printed under the figures.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use chrono::{Datelike, NaiveDate};
use gongkai_service::FoiStatsView;
use gongkai_service::domain::foi::china_day;
use gongkai_service::domain::foi::stats::{Figures, percent};
use minijinja::{Value, context};
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::admin::{Staff, field_errors, ser};
use crate::error::{AppError, ErrorCode, FieldMessage};
use crate::foi::{default_org, org_options, render, require_staff};
use crate::identity::Identity;

/// Query of both surfaces: organisation code and the receipt-date period (default: this year to today).
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct StatsQuery {
    org: String,
    from: String,
    to: String,
}

fn parse_period(q: &StatsQuery, today: NaiveDate) -> Result<(NaiveDate, NaiveDate), AppError> {
    let day = |field: &str, s: &str, default: NaiveDate| -> Result<NaiveDate, AppError> {
        let s = s.trim();
        if s.is_empty() {
            return Ok(default);
        }
        NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| {
            let mut e = AppError::new(ErrorCode::ValidationFailed, format!("{field}：日期格式应为 年-月-日"));
            e.fields.push(FieldMessage {
                field: field.into(), message: "日期格式应为 年-月-日，如 2026-01-31".into()
            });
            e
        })
    };
    let start = NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today);
    Ok((day("from", &q.from, start)?, day("to", &q.to, today)?))
}

fn figures_value(f: &Figures) -> Value {
    context! {
        received => f.received, closed => f.closed, open => f.open, overdue_open => f.overdue_open,
        closed_on_time => f.closed_on_time, closed_late => f.closed_late,
        closed_undetermined => f.closed_undetermined,
        on_time_rate => percent(f.on_time_permille()),
        disputed => f.disputed, dispute_rate => percent(f.dispute_permille()),
        complaints => f.complaints, cases_decided => f.cases_decided, cases_corrected => f.cases_corrected,
        cases_pending => f.cases_pending, corrected_rate => percent(f.corrected_permille()),
    }
}

/// The month chart's geometry: grouped bars (received, closed) per month, in SVG user units.
fn month_chart(v: &FoiStatsView) -> Value {
    const H: u64 = 200;
    // About 1000 units wide whatever the period: a group per month, from 60 units (a year) down to 24
    // (a decade), with a label on every month that has room for one.
    let n = v.stats.months.len().max(1);
    let group = (1000 / n).clamp(24, 60);
    let bar = group * 3 / 10;
    let label_every = 60usize.div_ceil(group);
    const LEFT: usize = 48;
    let months = &v.stats.months;
    let max = months.iter().map(|m| m.received.max(m.closed)).max().unwrap_or(0).max(1);
    // A round axis top: 1, 2, 5 × 10^k.
    let mut top = 1u64;
    while top < max {
        top = if top.to_string().starts_with('1') {
            top * 2
        } else if top.to_string().starts_with('2') {
            top / 2 * 5
        } else {
            top * 2
        };
    }
    let y = |n: u64| 20 + H - n * H / top;
    let bars: Vec<Value> = months
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let x = LEFT + i * group + group / 5;
            context! {
                label => m.month.get(2..).unwrap_or(&m.month).to_owned(),
                show_label => i % label_every == 0,
                label_x => x + bar,
                rx => x, ry => y(m.received), rh => m.received * H / top, received => m.received,
                cx => x + bar, cy => y(m.closed), ch => m.closed * H / top, closed => m.closed,
            }
        })
        .collect();
    let ticks: Vec<Value> = (0..=4).map(|k| context! { value => top * k / 4, y => y(top * k / 4) }).collect();
    context! {
        width => LEFT + months.len() * group + 10, height => H + 50, base => 20 + H, left => LEFT,
        right => LEFT + months.len() * group, bars, ticks, bar,
    }
}

fn stats_context(v: &FoiStatsView) -> Value {
    let buckets: Vec<Value> = v
        .buckets
        .iter()
        .zip(&v.stats.buckets)
        .map(|((code, name), f)| context! { code, name, f => figures_value(f) })
        .collect();
    context! {
        org_name => v.org.name.clone(),
        total => figures_value(&v.stats.total),
        buckets,
        months => v.stats.months.iter().map(|m| context! { month => m.month.clone(), received => m.received, closed => m.closed }).collect::<Vec<_>>(),
        groups => v.stats.groups.iter().map(|(g, n)| context! { label => g.label(), n }).collect::<Vec<_>>(),
        outcomes => v.stats.outcomes.iter().map(|(o, n)| context! { label => o.label(), n }).collect::<Vec<_>>(),
        chart => month_chart(v),
    }
}

/// `GET /admin/foi/stats?org=&from=&to=`: the supervisors' statistics page.
pub async fn stats_page(State(state): State<AppState>, Staff(me, id): Staff, Query(q): Query<StatsQuery>) -> Response {
    let org = if q.org.trim().is_empty() { default_org(&me) } else { q.org.trim().to_owned() };
    let today = china_day(state.svc.now_ms());
    let orgs = org_options(&state).await;
    let base = context! { org => org.clone(), from => q.from.clone(), to => q.to.clone(), orgs };
    let result = match parse_period(&q, today) {
        Ok((from, to)) => state
            .svc
            .foi_stats(&id.ctx(), &org, from, to)
            .await
            .map_err(AppError::from)
            .map(|v| context! { from => from.to_string(), to => to.to_string(), s => stats_context(&v) }),
        Err(e) => Err(e),
    };
    match result {
        Ok(ctx) => render(&state, &id, "admin/foi_stats.html", StatusCode::OK, context! { ..ctx, ..base }),
        Err(e) if e.code == ErrorCode::ValidationFailed => render(
            &state,
            &id,
            "admin/foi_stats.html",
            StatusCode::UNPROCESSABLE_ENTITY,
            context! { errors => ser(field_errors(&e)), ..base },
        ),
        Err(e) => e.into_response(),
    }
}

/// The JSON figures of one bucket or of the whole subtree.
#[derive(Serialize)]
pub struct FiguresDto {
    received: u64,
    closed: u64,
    open: u64,
    overdue_open: u64,
    closed_on_time: u64,
    closed_late: u64,
    closed_undetermined: u64,
    /// 按期办结率 in per mille (null when nothing closed with a due date).
    on_time_permille: Option<u64>,
    disputed: u64,
    dispute_permille: Option<u64>,
    complaints: u64,
    cases_decided: u64,
    cases_corrected: u64,
    cases_pending: u64,
    corrected_permille: Option<u64>,
}

impl From<&Figures> for FiguresDto {
    fn from(f: &Figures) -> Self {
        FiguresDto {
            received: f.received,
            closed: f.closed,
            open: f.open,
            overdue_open: f.overdue_open,
            closed_on_time: f.closed_on_time,
            closed_late: f.closed_late,
            closed_undetermined: f.closed_undetermined,
            on_time_permille: f.on_time_permille(),
            disputed: f.disputed,
            dispute_permille: f.dispute_permille(),
            complaints: f.complaints,
            cases_decided: f.cases_decided,
            cases_corrected: f.cases_corrected,
            cases_pending: f.cases_pending,
            corrected_permille: f.corrected_permille(),
        }
    }
}

#[derive(Serialize)]
pub struct BucketDto {
    org: String,
    name: String,
    #[serde(flatten)]
    figures: FiguresDto,
}

#[derive(Serialize)]
pub struct MonthDto {
    month: String,
    received: u64,
    closed: u64,
}

#[derive(Serialize)]
pub struct StatsDto {
    org: String,
    from: NaiveDate,
    to: NaiveDate,
    total: FiguresDto,
    by_org: Vec<BucketDto>,
    months: Vec<MonthDto>,
    /// Closed applications per outcome key (`foi.md` §2.5 row keys).
    outcomes: serde_json::Map<String, serde_json::Value>,
}

/// `GET /api/v1/applications/stats?org=&from=&to=`: the statistics as JSON (readers of applications only).
pub async fn api_stats(
    State(state): State<AppState>,
    Extension(id): Extension<Identity>,
    Query(q): Query<StatsQuery>,
) -> Result<Json<StatsDto>, AppError> {
    require_staff(&id)?;
    if q.org.trim().is_empty() {
        let mut e = AppError::new(ErrorCode::ValidationFailed, "org：请指定机构代码");
        e.fields.push(FieldMessage { field: "org".into(), message: "请指定机构代码".into() });
        return Err(e);
    }
    let (from, to) = parse_period(&q, china_day(state.svc.now_ms()))?;
    let v = state.svc.foi_stats(&id.ctx(), q.org.trim(), from, to).await?;
    Ok(Json(StatsDto {
        org: v.org.code.clone(),
        from,
        to,
        total: (&v.stats.total).into(),
        by_org: v
            .buckets
            .iter()
            .zip(&v.stats.buckets)
            .map(|((code, name), f)| BucketDto { org: code.clone(), name: name.clone(), figures: f.into() })
            .collect(),
        months: v
            .stats
            .months
            .iter()
            .map(|m| MonthDto { month: m.month.clone(), received: m.received, closed: m.closed })
            .collect(),
        outcomes: v.stats.outcomes.iter().map(|(o, n)| (o.key().to_owned(), (*n).into())).collect(),
    }))
}
