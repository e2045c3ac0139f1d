//! Streams an upload to an unnamed file inside the data directory (0700), so a
//! large import never sits in memory and never holds the writer while it arrives.

use std::io::{Seek, Write};
use std::path::Path;

use axum::body::Body;
use futures_util::StreamExt;

use super::error::ApiError;

/// Copies `body` into an unnamed temporary file in `dir` (gone when closed),
/// refusing it with 413 as soon as it passes `limit` bytes.
pub(crate) async fn spool(dir: &Path, body: Body, limit: u64) -> Result<std::fs::File, ApiError> {
    let mut file = tempfile::tempfile_in(dir)
        .map_err(|e| ApiError::Internal(format!("spooling the upload: {e}")))?;
    let mut stream = body.into_data_stream();
    let mut total: u64 = 0;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| ApiError::bad(format!("body: {e}")))?;
        total += chunk.len() as u64;
        if total > limit {
            return Err(ApiError::TooLarge { limit });
        }
        file.write_all(&chunk)
            .map_err(|e| ApiError::Internal(format!("spooling the upload: {e}")))?;
    }
    file.rewind()
        .map_err(|e| ApiError::Internal(format!("spooling the upload: {e}")))?;
    Ok(file)
}
