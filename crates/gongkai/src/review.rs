//! `gongkai review chain set|unset|show`: the review chain (公开前审查: 保密审查 → 法制审核 → 签发) of an
//! organisation subtree per content class, for operators' scripts.

use std::process::ExitCode;

use clap::Subcommand;
use gongkai_service::domain::review::{chain_keys, chain_label, class_label};
use gongkai_service::{Ctx, Service};

/// Review commands.
#[derive(Debug, Subcommand)]
pub enum ReviewCommand {
    /// Review chains per organisation subtree and content class.
    #[command(subcommand)]
    Chain(ChainCommand),
}

/// Review chain commands.
#[derive(Debug, Subcommand)]
pub enum ChainCommand {
    /// Set the chain of an organisation and everything below it for one class, e.g.
    /// `gongkai review chain set --org qj --class normative secrecy,legal,signoff`.
    Set {
        /// Organisation code.
        #[arg(long)]
        org: String,
        /// Content class: law, administrative_regulation, local_regulation, judicial_interpretation,
        /// departmental_rule, government_rule, normative, other, or foi_reply (依申请公开答复).
        #[arg(long)]
        class: String,
        /// Steps in order, comma-separated: secrecy (保密审查), legal (法制审核), signoff (签发, last).
        steps: String,
    },
    /// Remove an organisation's chain for a class (the parent's, or the default, applies again).
    Unset {
        #[arg(long)]
        org: String,
        #[arg(long)]
        class: String,
    },
    /// Print the default chains and every configured one (tab-separated: org, class, steps).
    Show,
}

/// Runs a review command as the operator.
pub async fn run(svc: &Service, c: &ReviewCommand) -> anyhow::Result<ExitCode> {
    let ctx = Ctx::system();
    let ReviewCommand::Chain(c) = c;
    match c {
        ChainCommand::Set { org, class, steps } => {
            let chain = svc.set_review_chain(&ctx, org, class, Some(steps)).await?.unwrap_or_default();
            println!("已设置 {org} 的审查链（{}）：{}", class_label(class.trim()), chain_label(&chain));
        }
        ChainCommand::Unset { org, class } => {
            svc.set_review_chain(&ctx, org, class, None).await?;
            println!("已删除 {org} 的审查链（{}），改用上级机构或默认审查链。", class_label(class.trim()));
        }
        ChainCommand::Show => {
            for e in svc.review_chains(&ctx).await? {
                let org = e.org.as_ref().map(|o| o.org_code.as_str()).unwrap_or("*");
                println!("{org}\t{}\t{}", e.class, chain_keys(&e.chain));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
