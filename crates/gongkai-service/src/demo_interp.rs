//! Demo policy interpretations (演示政策解读): a 图解 with its image and alternative text, a video
//! interpretation with its transcript, a text and an expert interpretation of demo policies, and
//! the 三同步 settings that give the 50 % figures something to count. Idempotent.

use gongkai_domain::document::{DocFields, EditionEvent, RelationKind};
use gongkai_domain::interp::{InterpFields, InterpForm};
use gongkai_domain::qa::{QaFields, QaSourceRef};

use crate::{Ctx, DocInput, InterpInput, QaInput, Service, ServiceError};

/// The 图解's image (rendered from the demo's own text).
const TUJIE_PNG: &[u8] = include_bytes!("../data/demo-tujie.png");

struct DemoInterp {
    target: &'static str,
    org: &'static str,
    title: &'static str,
    form: InterpForm,
    interpreter: &'static str,
    role: &'static str,
    first: bool,
    media_url: Option<&'static str>,
    transcript: Option<&'static str>,
    alt_text: Option<&'static str>,
    image: bool,
    body: &'static str,
}

const DEMO_INTERPS: &[DemoInterp] = &[
    DemoInterp {
        target: "demo-doc-04",
        org: "qingjiang-hrss",
        title: "一图读懂：清江市就业创业补贴",
        form: InterpForm::Graphic,
        interpreter: "周建平",
        role: "清江市人力资源和社会保障局局长",
        first: true,
        media_url: None,
        transcript: None,
        alt_text: Some(
            "图解标题“一图读懂：清江市就业创业补贴”，分三栏：一次性创业补贴 8000 元，注册之日起 1 年内申领；社会保险补贴为实际缴费额的三分之二，按季度申领；职业培训补贴按培训类别确定，培训结束后 3 个月内申领。底部说明申请流程：网上办事大厅或线下窗口提交，审核后补贴发放到账。",
        ),
        image: true,
        body: "哪些人可以申请？在本市首次创办企业或者个体工商户的人员，以及参加职业培训的劳动者。\n能拿多少？一次性创业补贴现为每户8000元（原为5000元）。\n怎么申请？可以在网上办事大厅申请，也可以到线下窗口办理，不用再跑多个部门。",
    },
    DemoInterp {
        target: "demo-doc-01",
        org: "demo-gov-office",
        title: "视频解读：进一步做好政务公开工作的意见",
        form: InterpForm::Video,
        interpreter: "林晓东",
        role: "示范省人民政府办公厅主任",
        first: true,
        media_url: Some("https://video.example.gov.cn/zwgk/2026-yijian.mp4"),
        transcript: Some(
            "主持人：这份意见出台的背景是什么？\n林晓东：群众反映找政策难、看不懂，这次意见要求政策文件集中发布，并且同步发布解读。\n主持人：对普通群众有什么变化？\n林晓东：政府网站都要提供适老版，申请公开信息也会更快得到答复。",
        ),
        alt_text: None,
        image: false,
        body: "本期访谈请省政府办公厅主任介绍意见出台的背景、主要变化和群众办事需要注意的事项。文字实录见下方。",
    },
    DemoInterp {
        target: "demo-doc-10",
        org: "demo-drc",
        title: "一文读懂示范省数字政府建设实施方案",
        form: InterpForm::Text,
        interpreter: "陈思远",
        role: "示范省发展和改革委员会副主任",
        first: false,
        media_url: None,
        transcript: None,
        alt_text: None,
        image: false,
        body: "为什么要制定方案？过去查政策要跑多个网站，办事材料要重复提交。\n方案带来什么变化？到2027年，政务服务事项都能在网上办，政策文件可以按发文字号、主题和有效性检索。\n谁来负责？省政府办公厅牵头建设政策文件库，省发展改革委负责一网通办能力提升。",
    },
    DemoInterp {
        target: "demo-doc-08",
        org: "demo-edu",
        title: "专家解读：规范校外培训收费，家长需要知道什么",
        form: InterpForm::Expert,
        interpreter: "王立群",
        role: "示范大学教育学院教授",
        first: false,
        media_url: None,
        transcript: None,
        alt_text: None,
        image: false,
        body: "通知的核心是让收费透明：机构要公示收费项目和标准，一次收费不能跨越太长周期。\n家长签合同前要看清退费条款，遇到问题可以向教育部门反映。",
    },
];

/// Demo Q&A items: (external id, organisation, question, answer, category, audience, region, sources
/// as (document key, article)).
type DemoQa = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

const DEMO_QA: &[DemoQa] = &[
    (
        "demo-qa-01",
        "qingjiang-hrss",
        "一次性创业补贴现在是多少钱？",
        "一次性创业补贴的标准为每户8000元（2026年修改前为5000元），应当自注册之日起1年内申领。",
        "劳动、人事、监察",
        "个人",
        "清江市",
        &[("demo-doc-04", "第三条"), ("demo-doc-05", "")],
    ),
    (
        "demo-qa-02",
        "qingjiang-hrss",
        "就业创业补贴在哪里申请？",
        "可以通过清江市人力资源和社会保障局网上办事大厅申请，也可以到线下窗口提交申请。",
        "劳动、人事、监察",
        "个人",
        "清江市",
        &[("demo-doc-04", "第四条"), ("demo-doc-05", "")],
    ),
    (
        "demo-qa-03",
        "demo",
        "申请政府信息公开，多长时间能得到答复？",
        "能够当场答复的当场答复；不能当场答复的，自收到申请之日起20个工作日内答复，需要延长的经负责人同意可延长，延长期限最长不超过20个工作日。",
        "综合政务",
        "个人、法人和其他组织",
        "示范省",
        &[("demo-doc-02", "")],
    ),
    (
        "demo-qa-04",
        "demo-gov-office",
        "政府网站有适老版吗？",
        "有。按照省政府办公厅的意见，政府网站应当提供适老版，字号、对比度和操作方式符合相关标准。本网站页面顶部的“显示设置”可以切换。",
        "综合政务",
        "老年人",
        "示范省",
        &[("demo-doc-01", "")],
    ),
];

/// Policies counted by the 50 % rule (issued in the name of the government or its general
/// office), and whether each needs an interpretation at publication.
const DEMO_REQUIREMENTS: &[(&str, bool)] = &[("demo-doc-01", true), ("demo-doc-02", false), ("demo-doc-10", true)];

impl Service {
    /// Creates and publishes the demo interpretations that do not exist yet. Returns how many
    /// were created.
    pub async fn seed_demo_interpretations(&self) -> Result<usize, ServiceError> {
        let ctx = Ctx::system();
        for (key, required) in DEMO_REQUIREMENTS {
            if let Some(d) = self.resolve_document(key).await? {
                let r = self.store.interp_requirement(d.id).await?;
                if !r.gov_issued {
                    self.set_interp_requirement(&ctx, d.id, *required, true).await?;
                }
            }
        }
        let mut created = 0;
        for i in DEMO_INTERPS {
            let Some(target) = self.resolve_document(i.target).await? else { continue };
            if self.store.interpretations_of(target.id, false).await?.iter().any(|(d, _)| d.title == i.title) {
                continue;
            }
            let Some(org) = self.org_by_code(i.org).await? else { continue };
            let input = InterpInput {
                doc: DocInput {
                    fields: DocFields {
                        title: i.title.into(),
                        issuer: org.name.clone(),
                        body: i.body.into(),
                        keywords: vec!["政策解读".into()],
                        ..DocFields::default()
                    },
                    org_code: org.code.clone(),
                    relations: vec![(RelationKind::Interprets, target.id.to_string())],
                    ..DocInput::default()
                },
                interp: InterpFields {
                    form: Some(i.form),
                    interpreter: i.interpreter.into(),
                    interpreter_role: i.role.into(),
                    first_interpreter: i.first,
                    media_url: i.media_url.map(Into::into),
                    transcript: i.transcript.map(Into::into),
                    alt_text: i.alt_text.map(Into::into),
                },
            };
            let (doc, _) = self.create_interpretation(&ctx, &input).await?;
            if i.image {
                self.add_attachment(&ctx, doc.id, "一图读懂清江市就业创业补贴.png", TUJIE_PNG).await?;
            }
            for ev in [EditionEvent::Submit, EditionEvent::Approve, EditionEvent::Publish] {
                self.document_transition(&ctx, doc.id, ev, None, None).await?;
            }
            created += 1;
        }
        Ok(created)
    }

    /// Imports the demo Q&A items that do not exist yet (published). Returns how many were created.
    pub async fn seed_demo_qa(&self) -> Result<usize, ServiceError> {
        let ctx = Ctx::system();
        let mut created = 0;
        for (key, org, question, answer, category, audience, region, sources) in DEMO_QA {
            if self.store.qa_by_external_id(key).await?.is_some() {
                continue;
            }
            let mut refs = Vec::new();
            for (doc, anchor) in *sources {
                if let Some(d) = self.resolve_document(doc).await? {
                    refs.push(QaSourceRef {
                        document: d.id.to_string(),
                        anchor: Some((*anchor).to_owned()).filter(|a| !a.is_empty()),
                    });
                }
            }
            if refs.is_empty() {
                continue;
            }
            let input = QaInput {
                fields: QaFields {
                    question: (*question).into(),
                    answer: (*answer).into(),
                    category: Some((*category).into()),
                    tags: Vec::new(),
                    audience: Some((*audience).into()),
                    region: Some((*region).into()),
                    valid_from: None,
                    valid_to: None,
                    sources: refs,
                },
                org_code: (*org).into(),
                external_id: Some((*key).into()),
            };
            self.import_qa(&ctx, &input).await?;
            created += 1;
        }
        Ok(created)
    }
}
