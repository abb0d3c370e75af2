//! asyncio's streams: [`open_connection`] gives a buffered
//! [`StreamReader`] and a [`StreamWriter`] over one TCP connection.

use crate::net::tcp::TcpStream;
use crate::net::write_all;
use std::io::{self, Read};
use std::net::{Shutdown, SocketAddr, ToSocketAddrs};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

const BUFFER: usize = 8 * 1024;

/// Connects to `addr` and splits the connection into a reader and a
/// writer (asyncio's `open_connection`).
///
/// ```
/// use weave_reactor::{open_connection, TcpListener};
/// # weave_reactor::__block_on(async {
/// let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
/// let (mut reader, mut writer) = open_connection(listener.local_addr().unwrap()).await.unwrap();
/// let (mut server, _) = listener.accept().await.unwrap();
/// server.write_all(b"hello\nworld").await.unwrap();
/// drop(server);
/// let mut line = String::new();
/// reader.read_line(&mut line).await.unwrap();
/// assert_eq!(line, "hello\n");
/// writer.close().await.unwrap();
/// # });
/// ```
///
/// # Errors
/// As [`TcpStream::connect`].
pub async fn open_connection<A: ToSocketAddrs + Send + 'static>(
    addr: A,
) -> io::Result<(StreamReader, StreamWriter)> {
    Ok(split(TcpStream::connect(addr).await?))
}

/// Splits a connection into asyncio's reader and writer halves.
pub fn split(stream: TcpStream) -> (StreamReader, StreamWriter) {
    let stream = Arc::new(stream);
    (
        StreamReader {
            stream: stream.clone(),
            buf: vec![0; BUFFER].into_boxed_slice(),
            pos: 0,
            filled: 0,
        },
        StreamWriter { stream },
    )
}

/// The reading half, buffered (asyncio's `StreamReader`, with the shapes of
/// std's `BufRead`). Implements `futures_io::AsyncRead` and `AsyncBufRead`.
pub struct StreamReader {
    stream: Arc<TcpStream>,
    buf: Box<[u8]>,
    pos: usize,
    filled: usize,
}

impl StreamReader {
    /// Refills the buffer if it is empty; returns what it holds (empty at
    /// end of stream). Either way one unit of the task's budget is spent
    /// (see `weave_sync::coop`): a task reading a flood of buffered lines
    /// still lets the worker run other work.
    async fn fill(&mut self) -> io::Result<&[u8]> {
        if self.pos < self.filled {
            weave_sync::coop::consume_budget().await;
        } else {
            let buf = &mut self.buf;
            self.filled = self
                .stream
                .async_ref()
                .read_with(|mut s| s.read(buf))
                .await?;
            self.pos = 0;
        }
        Ok(&self.buf[self.pos..self.filled])
    }

    /// Reads what is available into `out` (at most `out.len()` bytes);
    /// `Ok(0)` at end of stream.
    ///
    /// # Errors
    /// The connection's error.
    pub async fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = {
            let data = self.fill().await?;
            let n = data.len().min(out.len());
            out[..n].copy_from_slice(&data[..n]);
            n
        };
        self.pos += n;
        Ok(n)
    }

    /// Appends bytes up to and including `delim` (or to end of stream) to
    /// `out`; returns how many (0 at end of stream).
    ///
    /// # Errors
    /// The connection's error; bytes read before it stay in `out`.
    pub async fn read_until(&mut self, delim: u8, out: &mut Vec<u8>) -> io::Result<usize> {
        let mut total = 0;
        loop {
            let (done, used) = {
                let data = self.fill().await?;
                match data.iter().position(|&b| b == delim) {
                    Some(i) => {
                        out.extend_from_slice(&data[..=i]);
                        (true, i + 1)
                    }
                    None => {
                        out.extend_from_slice(data);
                        (data.is_empty(), data.len())
                    }
                }
            };
            self.pos += used;
            total += used;
            if done {
                return Ok(total);
            }
        }
    }

    /// Appends one line, with its `\n`, to `line`; returns its length in
    /// bytes (0 at end of stream).
    ///
    /// # Errors
    /// `InvalidData` if the line is not UTF-8 (`line` is left unchanged),
    /// or the connection's error.
    pub async fn read_line(&mut self, line: &mut String) -> io::Result<usize> {
        let mut bytes = Vec::new();
        let n = self.read_until(b'\n', &mut bytes).await?;
        let text = String::from_utf8(bytes).map_err(|_| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                "stream did not contain valid UTF-8",
            )
        })?;
        line.push_str(&text);
        Ok(n)
    }

    /// Fills `out` completely.
    ///
    /// # Errors
    /// `UnexpectedEof` if the stream ends first.
    pub async fn read_exact(&mut self, mut out: &mut [u8]) -> io::Result<()> {
        while !out.is_empty() {
            match self.read(out).await? {
                0 => return Err(io::ErrorKind::UnexpectedEof.into()),
                n => out = &mut out[n..],
            }
        }
        Ok(())
    }

    /// The peer's address.
    ///
    /// # Errors
    /// As `getpeername`.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.stream.peer_addr()
    }
}

impl futures_io::AsyncBufRead for StreamReader {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        let this = self.get_mut();
        if this.pos < this.filled {
            // Served from the buffer: one unit of budget all the same, as
            // the async reads spend.
            ready!(weave_sync::coop::poll_budgeted(cx, |_| Poll::Ready(())));
        } else {
            let buf = &mut this.buf;
            this.filled = ready!(this
                .stream
                .async_ref()
                .poll_read_with(cx, |mut s| s.read(buf)))?;
            this.pos = 0;
        }
        Poll::Ready(Ok(&this.buf[this.pos..this.filled]))
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        let this = self.get_mut();
        this.pos = (this.pos + amt).min(this.filled);
    }
}

impl futures_io::AsyncRead for StreamReader {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        out: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        use futures_io::AsyncBufRead;
        let data = ready!(self.as_mut().poll_fill_buf(cx))?;
        let n = data.len().min(out.len());
        out[..n].copy_from_slice(&data[..n]);
        self.consume(n);
        Poll::Ready(Ok(n))
    }
}

impl std::fmt::Debug for StreamReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamReader")
            .field("buffered", &(self.filled - self.pos))
            .finish()
    }
}

/// The writing half (asyncio's `StreamWriter`). Writes go straight to the
/// socket, so [`drain`](Self::drain) has nothing left to wait for once
/// `write_all` returned. Implements `futures_io::AsyncWrite`.
#[derive(Debug)]
pub struct StreamWriter {
    stream: Arc<TcpStream>,
}

impl StreamWriter {
    /// Writes all of `buf`.
    ///
    /// # Errors
    /// The connection's error, e.g. `BrokenPipe` after the peer closed.
    pub async fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        write_all(self.stream.async_ref(), buf).await
    }

    /// Waits until everything written has been handed to the system
    /// (asyncio's `drain`).
    ///
    /// # Errors
    /// Never at present: writes are not buffered here.
    pub async fn drain(&mut self) -> io::Result<()> {
        Ok(())
    }

    /// Half-closes the connection: the peer reads end-of-stream, and this
    /// side can still read (asyncio's `close` + `wait_closed`).
    ///
    /// # Errors
    /// As `shutdown(2)`.
    pub async fn close(&mut self) -> io::Result<()> {
        match self.stream.shutdown(Shutdown::Write) {
            Err(e) if e.kind() == io::ErrorKind::NotConnected => Ok(()),
            other => other,
        }
    }

    /// The peer's address.
    ///
    /// # Errors
    /// As `getpeername`.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.stream.peer_addr()
    }
}

impl futures_io::AsyncWrite for StreamWriter {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.stream.async_ref().poll_write_stream(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(self.stream.shutdown(Shutdown::Write))
    }
}
