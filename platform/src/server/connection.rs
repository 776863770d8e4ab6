//! One accepted connection: HTTP/1.1 by hyper, under its [`ConnGuard`], until the client leaves, the guard ends
//! it, or shutdown asks it to finish its request in flight.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, Response};
use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::watch;

use super::guard::{ConnGuard, GuardedIo, RequestToken, Timeouts, Verdict};

/// How long the guard's own reply (408/414/431) may take to write, and how long the connection then lingers
/// reading what the client still sends, so that closing does not reset the connection before the reply is read.
const FAREWELL: Duration = Duration::from_secs(1);
const FAREWELL_DRAIN_BYTES: usize = 256 * 1024;

pub(super) async fn serve(
    stream: TcpStream,
    http: Arc<http1::Builder>,
    router: Router,
    timeouts: Timeouts,
    mut shutdown: watch::Receiver<bool>,
) {
    let guard = ConnGuard::new(timeouts);
    let io = TokioIo::new(GuardedIo::new(stream, Arc::clone(&guard)));
    let service = Tracked {
        router,
        guard: Arc::clone(&guard),
    };
    let mut conn = http.serve_connection(io, service);
    let verdict = guard.watch();
    tokio::pin!(verdict);
    let mut finishing = *shutdown.borrow();
    if finishing {
        Pin::new(&mut conn).graceful_shutdown();
    }
    loop {
        tokio::select! {
            result = &mut conn => {
                if let Err(e) = result {
                    tracing::debug!(error = %e, "connection ended with an error");
                }
                return;
            }
            v = &mut verdict => {
                tracing::debug!(verdict = ?v, "connection cut off by its guard");
                farewell(conn.into_parts().io.into_inner().into_inner(), v).await;
                return;
            }
            changed = shutdown.changed(), if !finishing => {
                // Finish the request in flight (if any), then close; an idle connection closes at once. A sender
                // gone means the server is gone: finish too.
                let _ = changed;
                finishing = true;
                Pin::new(&mut conn).graceful_shutdown();
            }
        }
    }
}

/// Sends the guard's JSON reply, if it has one, and closes.
async fn farewell(mut stream: TcpStream, verdict: Verdict) {
    if let Some((status, reason, error)) = verdict.reply() {
        let body =
            serde_json::to_string(&sanban_wire::ApiError { error }).unwrap_or_else(|_| "{}".into());
        let head = format!(
            "HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
             connection: close\r\n\r\n",
            body.len()
        );
        let write = async {
            stream.write_all(head.as_bytes()).await?;
            stream.write_all(body.as_bytes()).await?;
            stream.shutdown().await
        };
        if tokio::time::timeout(FAREWELL, write).await.is_err() {
            return;
        }
        let mut drained = 0;
        let mut buf = [0u8; 8192];
        let _ = tokio::time::timeout(FAREWELL, async {
            while drained < FAREWELL_DRAIN_BYTES {
                match stream.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => drained += n,
                }
            }
        })
        .await;
    }
}

/// The router, with each request's [`RequestToken`] held until its reply body is done.
#[derive(Clone)]
struct Tracked {
    router: Router,
    guard: Arc<ConnGuard>,
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

impl hyper::service::Service<Request<Incoming>> for Tracked {
    type Response = Response<Body>;
    type Error = Infallible;
    type Future = BoxFuture<Result<Response<Body>, Infallible>>;

    fn call(&self, req: Request<Incoming>) -> Self::Future {
        let token = self.guard.begin_request();
        let router = self.router.clone();
        Box::pin(async move {
            let response = tower::ServiceExt::oneshot(router, req).await?;
            Ok(response.map(|inner| {
                Body::new(TokenBody {
                    inner,
                    _token: token,
                })
            }))
        })
    }
}

/// A reply body that holds its request's token until hyper drops it (fully sent, or the connection gone).
struct TokenBody {
    inner: Body,
    _token: RequestToken,
}

impl http_body::Body for TokenBody {
    type Data = axum::body::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.get_mut().inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}
