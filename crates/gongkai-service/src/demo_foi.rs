//! Demo applications for disclosure on application (依申请公开) in several states: waiting for
//! confirmation, running, waiting for 补正, extended, in consultation, and closed with a reply.
//! Idempotent through their external ids. The applicants are fictional.

use chrono::{Duration, NaiveDate};
use gongkai_domain::foi::{ApplicationInput, Channel, Outcome, china_day, reply_template};

use crate::{Ctx, FoiAction, Service, ServiceError};

/// (external id, organisation, channel, applicant type, name, request, days before today it arrived).
const DEMO: &[(&str, &str, Channel, &str, &str, &str, i64)] = &[
    (
        "demo-foi-01",
        "qingjiang-housing",
        Channel::Online,
        "natural_person",
        "赵示例",
        "2026年清江市老旧小区改造项目清单及资金安排",
        0,
    ),
    (
        "demo-foi-02",
        "qingjiang-housing",
        Channel::InPerson,
        "natural_person",
        "钱示例",
        "本市保障性租赁住房年度筹集计划",
        6,
    ),
    (
        "demo-foi-03",
        "qingjiang-hrss",
        Channel::Post,
        "commercial",
        "示例科技有限公司",
        "2025年度就业补贴资金发放情况",
        4,
    ),
    (
        "demo-foi-04",
        "demo-drc",
        Channel::InPerson,
        "research",
        "示例大学公共管理学院",
        "省级重大项目审批流程及时限规定",
        25,
    ),
    (
        "demo-foi-05",
        "hexi-civil",
        Channel::InPerson,
        "natural_person",
        "孙示例",
        "河西区2025年最低生活保障标准调整文件",
        40,
    ),
    ("demo-foi-06", "qingjiang-housing", Channel::Post, "legal_service", "示例律师事务所", "某地块征收补偿方案", 60),
];

fn person(kind: &str, name: &str, request: &str) -> ApplicationInput {
    let org = kind != "natural_person";
    ApplicationInput {
        applicant_type: kind.into(),
        name: name.into(),
        id_type: if org { "credit_code" } else { "id_card" }.into(),
        id_number: if org { "91990100MA0000000X" } else { "99010019900101000X" }.into(),
        contact_person: org.then(|| "联系人（演示）".into()),
        phone: "010-00000000".into(),
        email: Some("demo@example.invalid".into()),
        description: request.into(),
        form: "electronic".into(),
        delivery: "email".into(),
        ..Default::default()
    }
}

impl Service {
    /// Creates the demo applications that do not exist yet; returns how many were created.
    pub async fn seed_demo_foi(&self) -> Result<usize, ServiceError> {
        let ctx = Ctx::system();
        let today = china_day(self.now_ms());
        let ago = |n: i64| -> NaiveDate { today - Duration::days(n) };
        let mut created = 0;
        for (key, org_code, channel, kind, name, request, days) in DEMO {
            if self.store.foi_by_external_id(key).await?.is_some() {
                continue;
            }
            let Some(org) = self.store.org_by_code(org_code).await? else { continue };
            let input = person(kind, name, request);
            let received = (*channel != Channel::Online).then(|| ago(*days));
            let mut tx = self.store.begin().await?;
            let (id, _) =
                self.insert_application(&mut tx, &ctx, &org, *channel, &input, received, Some(key), "foi.demo").await?;
            tx.commit().await?;
            created += 1;
            match *key {
                "demo-foi-03" => {
                    let a = FoiAction::RequestCorrection {
                        on: ago(3),
                        deadline: None,
                        items: "请说明所需信息的年份和地区".into(),
                    };
                    self.foi_act(&ctx, id, &a).await?;
                }
                "demo-foi-04" => {
                    let a = FoiAction::Extend { on: ago(2), days: 15, reason: "需要调取多个处室档案".into() };
                    self.foi_act(&ctx, id, &a).await?;
                    let c = FoiAction::StartConsultation { on: ago(1), party: "省自然资源厅".into() };
                    self.foi_act(&ctx, id, &c).await?;
                }
                "demo-foi-05" | "demo-foi-06" => {
                    let outcome = if *key == "demo-foi-05" { Outcome::Granted } else { Outcome::NotHeld };
                    let mut draft = reply_template(outcome);
                    if outcome.needs_reason() {
                        draft.reason = Some("经检索，本机关未制作、获取该信息（演示）".into());
                    }
                    self.foi_draft_reply(&ctx, id, &draft).await?;
                    self.foi_approve_reply(&ctx, id).await?;
                    self.foi_send_reply(&ctx, id, ago(days - 10), "electronic").await?;
                }
                _ => {}
            }
        }
        Ok(created)
    }
}
