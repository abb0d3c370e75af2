//! `weave-macros`: the attribute macros `#[weave::main]` and
//! `#[weave::test]`.
//!
//! Each turns an `async fn` into a plain `fn` that builds a fresh weave
//! runtime and blocks on the body (one runtime per test, as pytest-asyncio
//! gives each test its own event loop). Both accept `worker_threads = N`.
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

use proc_macro::{Delimiter, Group, Ident, Literal, Punct, Spacing, Span, TokenStream, TokenTree};

/// Runs `async fn main` on a new weave runtime (`worker_threads = N`
/// optional; by default one worker per core).
///
/// ```
/// #[weave::main]
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
/// (`worker_threads = N` optional).
///
/// ```
/// #[weave::test(worker_threads = 1)]
/// async fn spawn_works() {
///     assert_eq!(weave::spawn(async { 1 }).await.unwrap(), 1);
/// }
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
    let (workers, mut out) = match parse_args(args, name) {
        Ok(workers) => (workers, TokenStream::new()),
        Err(error) => (None, error),
    };
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
    // `{ ::weave::Builder::new()[.worker_threads(N)].build().expect(..).block_on(async move BODY) }`
    let mut call = String::from("::weave::Builder::new()");
    if let Some(n) = workers {
        call.push_str(&format!(".worker_threads({n})"));
    }
    call.push_str(".build().expect(\"failed to build the weave runtime\").block_on");
    let mut inner: TokenStream = call.parse().expect("valid tokens");
    let mut arg: TokenStream = "async move".parse().expect("valid tokens");
    arg.extend([TokenTree::Group(body.clone())]);
    inner.extend([TokenTree::Group(Group::new(Delimiter::Parenthesis, arg))]);
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

/// Parses `worker_threads = N` (or nothing).
fn parse_args(args: TokenStream, name: &str) -> Result<Option<usize>, TokenStream> {
    let args: Vec<TokenTree> = args.into_iter().collect();
    match args.as_slice() {
        [] => Ok(None),
        [TokenTree::Ident(key), TokenTree::Punct(eq), TokenTree::Literal(value)]
            if key.to_string() == "worker_threads" && eq.as_char() == '=' =>
        {
            match value.to_string().parse::<usize>() {
                Ok(0) => Err(error(
                    value.span(),
                    "worker_threads = 0: a runtime needs at least one worker",
                )),
                Ok(n) => Ok(Some(n)),
                Err(_) => Err(error(
                    value.span(),
                    "worker_threads takes a positive integer, e.g. `worker_threads = 2`",
                )),
            }
        }
        other => Err(error(
            other.first().map_or(Span::call_site(), TokenTree::span),
            &format!(
                "#[weave::{name}] takes no arguments or `worker_threads = N`, e.g. \
                 #[weave::{name}(worker_threads = 2)]"
            ),
        )),
    }
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
