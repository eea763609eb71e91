//! Request bodies read no further than Lambda's limits. A body whose `Content-Length` is over
//! the limit is refused before any of it is read; one without (chunked) is refused as soon as
//! what arrived passes the limit. Nothing past the limit is held: the rest is read and thrown
//! away piece by piece ([`discard`], [`read_or_discard`]) so that the client, still sending,
//! gets its 413 rather than a reset connection; past [`DISCARD_LIMIT`] the connection is
//! closed instead.

use axum::body::{Body, Bytes, HttpBody};
use bytes::BytesMut;
use http_body_util::BodyExt;

/// The most [`discard`] reads of a refused body before the connection is closed instead:
/// ten times the largest body Lambda accepts.
pub(crate) const DISCARD_LIMIT: u64 = 64 * 1024 * 1024;

/// Why a body was not read whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum BodyError {
    /// Longer than the limit. `size` is its `Content-Length` when it declared one, else the
    /// bytes that had arrived when it was refused.
    TooLarge { size: u64 },
    /// The connection broke or the framing was invalid before the body ended.
    Truncated(String),
}

/// Reads `body` whole if it is at most `limit` bytes; never holds more than `limit` bytes and
/// the one chunk that crossed it.
pub(crate) async fn read(body: &mut Body, limit: usize) -> Result<Bytes, BodyError> {
    let limit = limit as u64;
    let declared = body.size_hint().exact();
    if let Some(size) = declared.filter(|&size| size > limit) {
        return Err(BodyError::TooLarge { size });
    }
    let mut buf = BytesMut::with_capacity(declared.unwrap_or(0) as usize);
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| BodyError::Truncated(e.to_string()))?;
        // Trailers carry no payload.
        let Ok(data) = frame.into_data() else {
            continue;
        };
        let size = (buf.len() + data.len()) as u64;
        if size > limit {
            return Err(BodyError::TooLarge { size });
        }
        buf.extend_from_slice(&data);
    }
    Ok(buf.freeze())
}

/// [`read`], and for a body over the limit, reads the rest and drops it chunk by chunk (up to
/// [`DISCARD_LIMIT`]) so that the client is reading when it is answered. The size refused is
/// the declared one, or what was counted.
pub(crate) async fn read_or_discard(mut body: Body, limit: usize) -> Result<Bytes, BodyError> {
    let declared = body.size_hint().exact();
    match read(&mut body, limit).await {
        Err(BodyError::TooLarge { size }) => {
            let (rest, _) = discard(body, DISCARD_LIMIT).await;
            Err(BodyError::TooLarge {
                size: declared.unwrap_or(size + rest),
            })
        }
        other => other,
    }
}

/// Reads what is left of `body` and drops it chunk by chunk, up to `limit` bytes; returns
/// how many bytes were read and whether the body ended.
pub(crate) async fn discard(mut body: Body, limit: u64) -> (u64, bool) {
    let mut read = 0u64;
    while read <= limit {
        match body.frame().await {
            None => return (read, true),
            Some(Err(_)) => return (read, false),
            Some(Ok(frame)) => {
                read += frame.data_ref().map_or(0, |d| d.len() as u64);
            }
        }
    }
    (read, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A body in `chunks` pieces of `size` bytes, with no `Content-Length`.
    fn chunked(chunks: usize, size: usize) -> Body {
        let piece = Bytes::from(vec![b'x'; size]);
        let stream = futures_util::stream::iter(
            (0..chunks).map(move |_| Ok::<_, std::io::Error>(piece.clone())),
        );
        Body::from_stream(stream)
    }

    #[tokio::test]
    async fn a_body_within_the_limit_is_read_whole() {
        let mut body = chunked(4, 10);
        assert_eq!(read(&mut body, 40).await.unwrap().len(), 40);
        let mut sized = Body::from("{\"a\":1}");
        assert_eq!(read(&mut sized, 7).await.unwrap(), "{\"a\":1}");
    }

    #[tokio::test]
    async fn a_declared_length_over_the_limit_is_refused_before_reading() {
        let mut body = Body::from(vec![b'x'; 100]);
        assert_eq!(
            read(&mut body, 99).await,
            Err(BodyError::TooLarge { size: 100 })
        );
        // Nothing was taken from it.
        assert_eq!(discard(body, 1000).await, (100, true));
    }

    #[tokio::test]
    async fn a_chunked_body_is_refused_at_the_chunk_that_crosses_the_limit() {
        let mut body = chunked(1000, 10);
        assert_eq!(
            read(&mut body, 25).await,
            Err(BodyError::TooLarge { size: 30 })
        );
        assert_eq!(discard(body, 1_000_000).await, (9970, true));
    }

    #[tokio::test]
    async fn read_or_discard_counts_what_it_dropped() {
        let refused = read_or_discard(chunked(1000, 10), 25).await;
        assert_eq!(refused, Err(BodyError::TooLarge { size: 10_000 }));
        let declared = read_or_discard(Body::from(vec![b'x'; 100]), 99).await;
        assert_eq!(declared, Err(BodyError::TooLarge { size: 100 }));
    }

    #[tokio::test]
    async fn discard_stops_after_its_limit() {
        let (read, ended) = discard(chunked(1000, 10), 100).await;
        assert!(!ended);
        assert!((101..=110).contains(&read), "{read}");
    }
}
