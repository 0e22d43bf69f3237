//! What passes through the review hook ([`crate::Service::review_gate`]): a document edition or a reply to
//! a disclosure application (依申请公开答复), with the facts the review chain needs to decide.

/// The kind of item under review.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewKind {
    /// An edition of a policy document.
    Edition,
    /// The reply to a disclosure application.
    FoiReply,
}

/// An item presented for approval.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReviewSubject {
    pub kind: ReviewKind,
    /// The edition's or the application's id.
    pub id: i64,
    /// The owning organisation.
    pub org_id: i64,
    /// Who drafted it.
    pub author_id: Option<i64>,
}
