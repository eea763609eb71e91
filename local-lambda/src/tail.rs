//! The last 4 KB of one invocation's log, what `X-Amz-Log-Type: Tail` returns: "The last 4 KB
//! of the execution log" (`X-Amz-Log-Result`,
//! <https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html>). A fixed window: however
//! much the function writes, it holds no more than [`TAIL_BYTES`], while the log stream file
//! still gets every line.

use std::collections::VecDeque;

/// Bytes of an invocation's log returned in `X-Amz-Log-Result`.
pub(crate) const TAIL_BYTES: usize = 4096;

/// The newest [`TAIL_BYTES`] bytes written to it.
#[derive(Debug)]
pub(crate) struct Tail {
    ring: VecDeque<u8>,
}

impl Tail {
    /// An empty window; its one allocation is made here.
    pub(crate) fn new() -> Self {
        Self {
            ring: VecDeque::with_capacity(TAIL_BYTES),
        }
    }

    /// Appends `bytes`, dropping the oldest beyond the window.
    pub(crate) fn push(&mut self, bytes: &[u8]) {
        let bytes = &bytes[bytes.len().saturating_sub(TAIL_BYTES)..];
        let over = (self.ring.len() + bytes.len()).saturating_sub(TAIL_BYTES);
        self.ring.drain(..over);
        self.ring.extend(bytes);
    }

    /// The window's bytes, oldest first.
    pub(crate) fn into_bytes(self) -> Vec<u8> {
        self.ring.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_everything_under_the_window() {
        let mut tail = Tail::new();
        tail.push(b"START\n");
        tail.push(b"hello\n");
        assert_eq!(tail.into_bytes(), b"START\nhello\n");
    }

    #[test]
    fn keeps_the_last_window_of_a_long_log_and_never_grows() {
        let mut tail = Tail::new();
        let capacity = tail.ring.capacity();
        for i in 0..10_000u32 {
            tail.push(format!("line {i}\n").as_bytes());
            assert!(tail.ring.len() <= TAIL_BYTES);
        }
        assert_eq!(tail.ring.capacity(), capacity, "no reallocation");
        let bytes = tail.into_bytes();
        assert_eq!(bytes.len(), TAIL_BYTES);
        assert!(bytes.ends_with(b"line 9999\n"));
    }

    #[test]
    fn a_write_longer_than_the_window_keeps_its_end() {
        let mut tail = Tail::new();
        tail.push(b"old");
        let mut big = vec![b'a'; TAIL_BYTES * 3];
        big.extend_from_slice(b"end");
        tail.push(&big);
        let bytes = tail.into_bytes();
        assert_eq!(bytes.len(), TAIL_BYTES);
        assert!(bytes.ends_with(b"aend"));
        assert!(!bytes.starts_with(b"old"));
    }
}
