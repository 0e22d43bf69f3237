//! Attachment extraction (`gongkai-extract`) run from the service: at most
//! `screen.max_concurrent` extractions at once on the blocking pool, each within
//! `screen.max_extracted_chars` characters of output.
//!
//! Every path that unpacks a file — screening a review round (at submit, on the review page, in
//! the scheduled-publishing job), a cleaned copy, `POST /api/v1/screen` — goes through
//! [`Service::extraction`], so one extraction's memory is bounded by its [`Limits`] and the whole
//! node's by that times the number of slots. The rest wait their turn, first come first served.
//! A slot is held until the blocking work ends, even when the caller has gone away meanwhile.

use std::sync::Arc;

use gongkai_extract::Limits;

use crate::{Service, ServiceError};

/// Extraction settings (`[screen]` in the configuration).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExtractionConfig {
    /// Most characters one extraction may produce (`screen.max_extracted_chars`).
    pub max_extracted_chars: u64,
    /// Extractions running at once (`screen.max_concurrent`; 0 = one per CPU).
    pub max_concurrent: usize,
}

impl Default for ExtractionConfig {
    fn default() -> Self {
        ExtractionConfig { max_extracted_chars: gongkai_extract::DEFAULT_MAX_CHARS, max_concurrent: 0 }
    }
}

/// The settings and the slots of a service.
#[derive(Debug)]
pub(crate) struct Extraction {
    cfg: ExtractionConfig,
    slots: Arc<tokio::sync::Semaphore>,
}

impl Extraction {
    pub(crate) fn new(cfg: ExtractionConfig) -> Extraction {
        let n = match cfg.max_concurrent {
            0 => std::thread::available_parallelism().map_or(2, usize::from),
            n => n,
        };
        Extraction { cfg, slots: Arc::new(tokio::sync::Semaphore::new(n)) }
    }
}

impl Service {
    /// The same service with these extraction settings.
    pub fn with_extraction(mut self, cfg: ExtractionConfig) -> Service {
        self.extraction = Arc::new(Extraction::new(cfg));
        self
    }

    /// The extraction settings.
    pub fn extraction_config(&self) -> ExtractionConfig {
        self.extraction.cfg
    }

    /// Limits for a file of at most `max_input` bytes with the configured character budget.
    pub fn extract_limits(&self, max_input: u64) -> Limits {
        Limits { max_input: max_input.max(1), max_chars: self.extraction.cfg.max_extracted_chars, ..Limits::default() }
    }

    /// Extraction slots free right now (for tests and metrics).
    pub fn extraction_slots_free(&self) -> usize {
        self.extraction.slots.available_permits()
    }

    /// Runs `work` on the blocking pool once an extraction slot is free, with the limits for a
    /// file of at most `max_input` bytes. Every call of `gongkai-extract` in a server goes
    /// through here.
    pub async fn extraction<T, F>(&self, max_input: u64, work: F) -> Result<T, ServiceError>
    where
        T: Send + 'static,
        F: FnOnce(&Limits) -> T + Send + 'static,
    {
        let limits = self.extract_limits(max_input);
        let slot = self
            .extraction
            .slots
            .clone()
            .acquire_owned()
            .await
            .map_err(|e| ServiceError::Internal(format!("extraction slots: {e}")))?;
        tokio::task::spawn_blocking(move || {
            let _slot = slot;
            work(&limits)
        })
        .await
        .map_err(|e| ServiceError::Internal(format!("extraction task: {e}")))
    }
}
