//! `weave-macros`: the attribute macros `#[weave::main]` and
//! `#[weave::test]`.
//!
//! Each turns an `async fn` into a plain `fn` that builds a fresh weave
//! runtime and blocks on the body (one runtime per test, as pytest-asyncio
//! gives each test its own event loop). Both accept `worker_threads = N`;
//! `#[weave::test]` also takes `start_paused = true` (virtual time) and
//! `shuffle = N` (N seeded shuffled schedules).
//! They work on tokens directly (no parser dependency): the item must be an
//! `async fn` whose body is its last token group.
//!
//! ```
//! #[weave::main(worker_threads = 2)]
//! async fn main() {
//!     let answer = weave::spawn(async { 6 * 7 }).await.unwrap();
//!     assert_eq!(answer, 42);
//! }
//! ```
//!
//! A function that is not `async` is a compile error that says so:
//!
//! ```compile_fail
//! #[weave::main]
//! fn main() {}
//! ```
//!
//! and so are bad arguments: a crate path that is not a string,
//!
//! ```compile_fail
//! #[weave::main(crate = weave)]
//! async fn main() {}
//! ```
//!
//! an argument given twice, or an empty one:
//!
//! ```compile_fail
//! #[weave::main(worker_threads = 2, worker_threads = 3)]
//! async fn main() {}
//! ```
//!
//! ```compile_fail
//! #[weave::main(worker_threads = 2,,)]
//! async fn main() {}
//! ```

use proc_macro::{Delimiter, Group, Ident, Literal, Punct, Spacing, Span, TokenStream, TokenTree};

/// Runs `async fn main` on a new weave runtime (`worker_threads = N`
/// optional, by default one worker per core; `crate = "path"` for a
/// renamed dependency).
///
/// ```
/// #[weave::main(worker_threads = 2,)]
/// async fn main() -> std::io::Result<()> {
///     weave::sleep(std::time::Duration::from_millis(1)).await;
///     Ok(())
/// }
/// ```
#[proc_macro_attribute]
pub fn main(args: TokenStream, item: TokenStream) -> TokenStream {
    expand(args, item, "main", false)
}

/// Runs an `async fn` test on its own new weave runtime
/// (`worker_threads = N` and `crate = "path"` optional).
///
/// ```
/// #[weave::test(worker_threads = 1)]
/// async fn spawn_works() {
///     assert_eq!(weave::spawn(async { 1 }).await.unwrap(), 1);
/// }
/// # fn main() {}
/// ```
///
/// `start_paused = true` starts the runtime's clock paused (virtual time,
/// `weave::time`): an hour of timers takes no time.
///
/// ```
/// use std::time::Duration;
/// #[weave::test(start_paused = true)]
/// async fn an_hour_at_once() {
///     let start = weave::now();
///     weave::sleep(Duration::from_secs(3600)).await;
///     assert_eq!(weave::now() - start, Duration::from_secs(3600));
/// }
/// # fn main() {}
/// ```
///
/// `shuffle = N` runs the body N times, each on a shuffled schedule
/// (`Builder::shuffle_seed`) with seeds `0..N` and virtual time; with
/// `WEAVE_SEED=s` in the environment, only under seed `s`. A failing run's
/// panic names its seed and the command that replays it.
///
/// ```
/// #[weave::test(shuffle = 20)]
/// async fn both_tasks_finish() {
///     let a = weave::spawn(async { weave::yield_now().await; 1 });
///     let b = weave::spawn(async { 2 });
///     assert_eq!(a.await.unwrap() + b.await.unwrap(), 3);
/// }
/// # fn main() {}
/// ```
///
/// `shuffle = 0` and `shuffle` with `worker_threads` other than 1 are
/// compile errors:
///
/// ```compile_fail
/// #[weave::test(shuffle = 10, worker_threads = 2)]
/// async fn two_workers() {}
/// # fn main() {}
/// ```
///
/// ```compile_fail
/// #[weave::test]
/// fn not_async() {}
/// # fn main() {}
/// ```
#[proc_macro_attribute]
pub fn test(args: TokenStream, item: TokenStream) -> TokenStream {
    expand(args, item, "test", true)
}

fn expand(args: TokenStream, item: TokenStream, name: &str, is_test: bool) -> TokenStream {
    // A bad argument is reported, and the function is still expanded (with
    // the default worker count) so that the error is the only one.
    let (args, mut out) = parse_args(args, name, is_test);
    let mut tokens: Vec<TokenTree> = item.into_iter().collect();
    // The `async` before `fn`.
    let fn_at = tokens
        .iter()
        .position(|t| matches!(t, TokenTree::Ident(i) if i.to_string() == "fn"));
    let Some(fn_at) = fn_at else {
        return error(
            Span::call_site(),
            &format!("#[weave::{name}] goes on an `async fn`"),
        );
    };
    let async_at = tokens[..fn_at]
        .iter()
        .rposition(|t| matches!(t, TokenTree::Ident(i) if i.to_string() == "async"));
    let Some(async_at) = async_at else {
        // The error, and the function as written (so no second error
        // about a missing `main` hides the real one).
        let mut out = error(
            tokens[fn_at].span(),
            &format!(
                "#[weave::{name}] needs an `async fn`: the function is not async. \
                 Write `async fn`, or drop the attribute for synchronous code"
            ),
        );
        out.extend(tokens);
        return out;
    };
    let fn_name = tokens
        .get(fn_at + 1)
        .map_or_else(|| "test".to_owned(), |t| t.to_string());
    tokens.remove(async_at);
    let body = match tokens.pop() {
        Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Brace => g,
        _ => {
            return error(
                Span::call_site(),
                &format!("#[weave::{name}] goes on an `async fn` with a body"),
            )
        }
    };
    // `{ WEAVE::Builder::new()[.worker_threads(N)].build().expect(..).block_on(async move BODY) }`
    // Every token but BODY's own is placed at BODY's last token: the
    // `block_on(..)` expression is what must have the function's return
    // type, so a mismatch is reported where the body ends.
    let at = body
        .stream()
        .into_iter()
        .last()
        .map_or(body.span_close(), |t| t.span());
    let at = Span::call_site().located_at(at);
    // (The crate path too: were it placed at the `crate = ".."` argument,
    // the whole call's span would start in the attribute, and a type
    // error would be reported there again.)
    let krate: TokenStream = args.krate.parse().expect("a checked path");
    // `KRATE::Builder::new()[..].build().expect(..).block_on(async move BODY)`
    let mut run = respan(krate.clone(), at);
    let mut call = String::from("::Builder::new()");
    if let Some(n) = args.workers {
        call.push_str(&format!(".worker_threads({n})"));
    }
    if args.shuffle.is_some() {
        call.push_str(".shuffle_seed(__weave_shuffle_seed)");
    }
    if args.start_paused {
        call.push_str(".start_paused(true)");
    }
    call.push_str(".build().expect(\"failed to build the weave runtime\").block_on");
    run.extend(respan(call.parse().expect("valid tokens"), at));
    let mut arg = respan("async move".parse().expect("valid tokens"), at);
    arg.extend([TokenTree::Group(body.clone())]);
    let mut arg = Group::new(Delimiter::Parenthesis, arg);
    arg.set_span(at);
    run.extend([TokenTree::Group(arg)]);
    let inner = match args.shuffle {
        None => run,
        Some(runs) => {
            // `KRATE::__shuffle(N, "path::name", |__weave_shuffle_seed| RUN)`
            let mut args = respan(
                format!(
                    "{runs}u64, ::core::concat!(::core::module_path!(), \"::{fn_name}\"), \
                     |__weave_shuffle_seed: ::core::primitive::u64|"
                )
                .parse()
                .expect("valid tokens"),
                at,
            );
            args.extend(run);
            let mut args = Group::new(Delimiter::Parenthesis, args);
            args.set_span(at);
            let mut inner = respan(krate, at);
            inner.extend(respan("::__shuffle".parse().expect("valid tokens"), at));
            inner.extend([TokenTree::Group(args)]);
            inner
        }
    };
    let mut new_body = Group::new(Delimiter::Brace, inner);
    new_body.set_span(body.span());

    if is_test {
        out.extend(
            "#[::core::prelude::v1::test]"
                .parse::<TokenStream>()
                .expect("valid tokens"),
        );
    }
    out.extend(tokens);
    out.extend([TokenTree::Group(new_body)]);
    out
}

/// What the attribute's arguments ask for.
struct Args {
    workers: Option<usize>,
    /// `start_paused = true`: the runtime's clock starts paused.
    start_paused: bool,
    /// `shuffle = N`: run the body under N seeds of a shuffled schedule.
    shuffle: Option<u64>,
    /// The path of the weave crate, as tokens' text (`::weave` unless
    /// `crate = "path"`).
    krate: String,
}

impl Default for Args {
    fn default() -> Args {
        Args {
            workers: None,
            start_paused: false,
            shuffle: None,
            krate: "::weave".to_owned(),
        }
    }
}

/// Parses `key = value` pairs separated by commas (a trailing comma
/// allowed): `worker_threads = N`, `crate = "path"`. Returns what parsed,
/// and a `compile_error!` per mistake (the rest still applies, so that a
/// mistake in one argument is the only error).
fn parse_args(args: TokenStream, name: &str, is_test: bool) -> (Args, TokenStream) {
    let usage = if is_test {
        format!(
            "#[weave::{name}] takes `worker_threads = N`, `start_paused = true`, `shuffle = N` \
             and `crate = \"path\"`, comma-separated, e.g. #[weave::{name}(worker_threads = 2)]"
        )
    } else {
        format!(
            "#[weave::{name}] takes `worker_threads = N` and `crate = \"path\"`, comma-separated, \
             e.g. #[weave::{name}(worker_threads = 2)]"
        )
    };
    let tokens: Vec<TokenTree> = args.into_iter().collect();
    let mut parsed = Args::default();
    let mut errors = TokenStream::new();
    if tokens.is_empty() {
        return (parsed, errors);
    }
    let mut seen: Vec<String> = Vec::new();
    let pieces: Vec<&[TokenTree]> = tokens
        .split(|t| matches!(t, TokenTree::Punct(p) if p.as_char() == ','))
        .collect();
    for (i, pair) in pieces.iter().enumerate() {
        let (key, value) = match pair {
            // Only the piece after a trailing comma may be empty.
            [] if i + 1 == pieces.len() && i > 0 => continue,
            [] => {
                // An empty argument (`,,` or a leading comma): point at the
                // comma after it.
                let comma = tokens
                    .iter()
                    .filter(|t| matches!(t, TokenTree::Punct(p) if p.as_char() == ','))
                    .nth(i)
                    .map_or(Span::call_site(), TokenTree::span);
                errors.extend(error(comma, &format!("an empty argument: {usage}")));
                continue;
            }
            [TokenTree::Ident(key), TokenTree::Punct(eq), value @ (TokenTree::Literal(_) | TokenTree::Ident(_))]
                if eq.as_char() == '=' =>
            {
                (key, value)
            }
            other => {
                errors.extend(error(other[0].span(), &usage));
                continue;
            }
        };
        let key_name = key.to_string();
        if seen.contains(&key_name) {
            errors.extend(error(key.span(), &format!("`{key_name}` is given twice")));
            continue;
        }
        seen.push(key_name.clone());
        match key_name.as_str() {
            "worker_threads" => match parse_count(&value.to_string()) {
                Some(0) => errors.extend(error(
                    value.span(),
                    "worker_threads = 0: a runtime needs at least one worker",
                )),
                Some(n) => parsed.workers = Some(n),
                None => errors.extend(error(
                    value.span(),
                    "worker_threads takes a positive integer, e.g. `worker_threads = 2`",
                )),
            },
            "start_paused" if is_test => match value.to_string().as_str() {
                "true" => parsed.start_paused = true,
                "false" => parsed.start_paused = false,
                _ => errors.extend(error(
                    value.span(),
                    "start_paused takes `true` or `false`, e.g. `start_paused = true`",
                )),
            },
            "shuffle" if is_test => match parse_count(&value.to_string()) {
                Some(0) => errors.extend(error(
                    value.span(),
                    "shuffle = 0 runs the test under no seed at all: give the number of seeds \
                     to try, e.g. `shuffle = 100`",
                )),
                Some(n) => parsed.shuffle = Some(n as u64),
                None => errors.extend(error(
                    value.span(),
                    "shuffle takes the number of seeds to run the test under, e.g. `shuffle = 100`",
                )),
            },
            "crate" => {
                let text = value.to_string();
                let path = text
                    .strip_prefix('"')
                    .and_then(|t| t.strip_suffix('"'))
                    .filter(|p| is_path(p));
                match path {
                    Some(path) => parsed.krate = path.to_owned(),
                    None => errors.extend(error(
                        value.span(),
                        "crate takes the path of the weave crate as a string, \
                         e.g. `crate = \"rt\"` for `rt = { package = \"weave\", .. }`",
                    )),
                }
            }
            _ => errors.extend(error(key.span(), &usage)),
        }
    }
    if let (Some(_), Some(n)) = (parsed.shuffle, parsed.workers.filter(|&n| n != 1)) {
        errors.extend(error(
            Span::call_site(),
            &format!(
                "worker_threads = {n} with shuffle: a shuffled test runs on one worker, the \
                 test's thread; drop worker_threads"
            ),
        ));
        parsed.workers = None;
    }
    (parsed, errors)
}

/// An integer literal's value: decimal, with `_` separators and an
/// optional `usize` suffix (`2`, `1_000`, `4usize`).
fn parse_count(literal: &str) -> Option<usize> {
    let digits = literal
        .strip_suffix("usize")
        .unwrap_or(literal)
        .replace('_', "");
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// True for a path like `rt`, `::rt` or `deps::weave`.
fn is_path(path: &str) -> bool {
    let path = path.strip_prefix("::").unwrap_or(path);
    !path.is_empty()
        && path.split("::").all(|seg| {
            let mut chars = seg.chars();
            chars
                .next()
                .is_some_and(|c| c == '_' || c.is_ascii_alphabetic())
                && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
        })
}

/// `tokens` with every span (inside groups too) set to `span`.
fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut token| {
            if let TokenTree::Group(g) = &token {
                let mut group = Group::new(g.delimiter(), respan(g.stream(), span));
                group.set_span(span);
                token = TokenTree::Group(group);
            } else {
                token.set_span(span);
            }
            token
        })
        .collect()
}

/// `compile_error!("message")` pointing at `span`.
fn error(span: Span, message: &str) -> TokenStream {
    let mut msg = Literal::string(message);
    msg.set_span(span);
    let mut bang = Punct::new('!', Spacing::Alone);
    bang.set_span(span);
    let mut group = Group::new(Delimiter::Parenthesis, TokenTree::Literal(msg).into());
    group.set_span(span);
    [
        TokenTree::Ident(Ident::new("compile_error", span)),
        TokenTree::Punct(bang),
        TokenTree::Group(group),
        TokenTree::Punct(Punct::new(';', Spacing::Alone)),
    ]
    .into_iter()
    .collect()
}
