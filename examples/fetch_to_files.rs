//! The tutorials' "write each result to a file" program: fetch pages
//! concurrently, pull the links out of each, and append one line per link
//! to a file with `weave::fs` (aiofiles' `open(path, "a")`).
//!
//! ```text
//! cargo run --release --example fetch_to_files
//! cargo run --release --example fetch_to_files -- --pages 40 --out /tmp/links.tsv
//! ```
//!
//! An in-process hyper server plays the web: `/page/<n>` is an HTML page
//! linking to a few other pages. In asyncio terms:
//!
//! ```python
//! async def write_one(file, url, session):
//!     links = await parse(url, session)
//!     async with aiofiles.open(file, "a") as f:
//!         for link in links:
//!             await f.write(f"{url}\t{link}\n")
//!
//! async with ClientSession() as session:
//!     await asyncio.gather(*(write_one(file, url, session) for url in urls))
//! ```
//!
//! Each page's lines go out in one `write_all` on a file opened for
//! appending, so (below `weave::fs`'s 2 MiB per write job) the lines of
//! one page stay together even though the pages finish in any order.

use bytes::Bytes;
use clap::Parser;
use futures::AsyncWriteExt;
use http::{Request, Response, Uri};
use http_body_util::{BodyExt, Empty, Full};
use hyper::body::Incoming;
use std::convert::Infallible;
use std::future::IntoFuture;
use std::path::PathBuf;
use std::time::Duration;
use weave::net::TcpListener;

/// Fetch pages concurrently and append their links to a file.
#[derive(Parser)]
struct Args {
    /// Number of pages to fetch.
    #[arg(long, default_value_t = 20)]
    pages: u32,
    /// The file to append to (created if missing; default: a file in the
    /// temporary directory).
    #[arg(long)]
    out: Option<PathBuf>,
}

/// `/page/<n>`: an HTML page linking to pages n+1 .. n + n%4 + 1, after a
/// few milliseconds (so pages finish out of order).
async fn page(req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let n: u32 = req
        .uri()
        .path()
        .strip_prefix("/page/")
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    weave::sleep(Duration::from_millis(u64::from((n * 7) % 13))).await;
    let links: String = (1..=n % 4 + 1)
        .map(|k| format!("<a href=\"/page/{}\">page {}</a>\n", n + k, n + k))
        .collect();
    let html = format!("<html><body><h1>Page {n}</h1>\n{links}</body></html>\n");
    Ok(Response::new(Full::new(Bytes::from(html))))
}

/// The `href`s of an HTML page (the tutorial uses a regex; this is the
/// same idea without one).
fn hrefs(html: &str) -> Vec<String> {
    html.split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(str::to_owned)
        .collect()
}

fn main() {
    let args = Args::parse();
    let out = args.out.unwrap_or_else(|| {
        std::env::temp_dir().join(format!("weave-links-{}.tsv", std::process::id()))
    });
    weave::run(async move {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().unwrap();
        let server =
            weave::spawn(weave_hyper::serve(listener, weave_hyper::service_fn(page)).into_future());
        // A fresh file, as the tutorial truncates it before it starts.
        weave::fs::write(&out, "source\tlink\n")
            .await
            .expect("create the output file");
        let client = weave_hyper::client::<Empty<Bytes>>();
        let jobs = (0..args.pages).map(|n| {
            let (client, out) = (client.clone(), out.clone());
            async move {
                let url = format!("http://{addr}/page/{n}");
                let response = client.get(url.parse::<Uri>().unwrap()).await?;
                let body = response.into_body().collect().await?.to_bytes();
                let links = hrefs(&String::from_utf8_lossy(&body));
                let lines: String = links
                    .iter()
                    .map(|link| format!("{url}\t{link}\n"))
                    .collect();
                let mut file = weave::fs::OpenOptions::new()
                    .append(true)
                    .open(&out)
                    .await?;
                file.write_all(lines.as_bytes()).await?;
                // `close` waits for the write and reports its error.
                file.close().await?;
                Ok::<usize, Box<dyn std::error::Error + Send + Sync>>(links.len())
            }
        });
        let mut total = 0;
        for (n, result) in weave::gather(jobs).await.into_iter().enumerate() {
            match result {
                Ok(links) => total += links,
                Err(err) => eprintln!("page {n}: {err}"),
            }
        }
        server.cancel();
        let written = weave::fs::read_to_string(&out)
            .await
            .expect("read the output back");
        println!(
            "fetched {} pages; wrote {total} links ({} lines with the header) to {}",
            args.pages,
            written.lines().count(),
            out.display()
        );
    });
}
