//! A hand-written HTTP/1.1 responder, kept for one purpose: the benchmark
//! row that measures the bare TCP path of each runtime (accept, read,
//! write; no HTTP library), where hyper's own cost would blur the
//! difference. Every runtime serves exactly the same bytes: keep-alive and
//! pipelining, one fixed response per request, no bodies. Applications
//! (and the examples) use hyper through `weave-hyper`.

/// The response to every request.
pub const RESPONSE: &[u8] =
    b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\nHello, world!";

/// What the caller should do after [`respond`].
#[derive(Debug, PartialEq, Eq)]
pub enum Next {
    /// Read more and call again.
    Read,
    /// Send what was queued, then close (the client asked to, or sent
    /// something that is not HTTP/1.x).
    Close,
}

/// Consumes every complete request at the front of `input` (headers end
/// with a blank line; bodies are not supported), appending one response per
/// request to `output`.
pub fn respond(input: &mut Vec<u8>, output: &mut Vec<u8>) -> Next {
    let mut used = 0;
    let mut next = Next::Read;
    while let Some(end) = find(&input[used..], b"\r\n\r\n") {
        let head = &input[used..used + end];
        if !head.starts_with(b"GET ") && !head.starts_with(b"HEAD ") {
            next = Next::Close;
            break;
        }
        output.extend_from_slice(RESPONSE);
        let close = head
            .split(|&b| b == b'\n')
            .map(|line| line.strip_suffix(b"\r").unwrap_or(line))
            .any(|line| line.eq_ignore_ascii_case(b"connection: close"));
        used += end + 4;
        if close {
            next = Next::Close;
            break;
        }
    }
    input.drain(..used);
    next
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}
