//! `exec --credentials server`: refreshing credentials for children that outlive a chained
//! role's one-hour session. A loopback HTTP endpoint in the shape of the container credentials
//! endpoint (`AWS_CONTAINER_CREDENTIALS_FULL_URI` + `AWS_CONTAINER_AUTHORIZATION_TOKEN`, which
//! every AWS SDK and the CLI read and poll again before expiry) answers each child, by its own
//! random token, with its account's current credentials — re-assumed by canopy when less than
//! five minutes are left. A token is good only while its child runs; the credentials never
//! touch a child's environment, a log or the store.

use std::collections::HashMap;
use std::io::Read;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use canopy_aws::AccountSession;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

type Grants = Arc<Mutex<HashMap<String, AccountSession>>>;

/// How long one request may take, refreshing the credentials included.
const REQUEST_TIME: std::time::Duration = std::time::Duration::from_secs(30);

/// The running endpoint; stops when dropped.
pub struct CredentialServer {
    addr: SocketAddr,
    grants: Grants,
    task: JoinHandle<()>,
}

impl std::fmt::Debug for CredentialServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CredentialServer")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

/// One child's right to its account's credentials, until dropped.
pub struct Grant {
    token: String,
    grants: Grants,
}

impl std::fmt::Debug for Grant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Grant(<redacted>)")
    }
}

impl Grant {
    /// The token the child sends (`AWS_CONTAINER_AUTHORIZATION_TOKEN`).
    pub fn token(&self) -> &str {
        &self.token
    }
}

impl Drop for Grant {
    fn drop(&mut self) {
        if let Ok(mut grants) = self.grants.lock() {
            grants.remove(&self.token);
        }
    }
}

impl Drop for CredentialServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// 32 random bytes from the system, as hex.
fn random_token() -> std::io::Result<String> {
    let mut bytes = [0u8; 32];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

impl CredentialServer {
    /// Listens on a free loopback port.
    pub async fn start() -> std::io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let grants: Grants = Arc::default();
        let serving = grants.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let grants = serving.clone();
                tokio::spawn(async move {
                    // a client that never finishes its request does not hold a task forever
                    let _ = tokio::time::timeout(REQUEST_TIME, answer(stream, grants)).await;
                });
            }
        });
        Ok(Self { addr, grants, task })
    }

    /// What the child's `AWS_CONTAINER_CREDENTIALS_FULL_URI` says.
    pub fn url(&self) -> String {
        format!("http://{}/credentials", self.addr)
    }

    /// A new token for a child of `session`'s account.
    pub fn grant(&self, session: &AccountSession) -> std::io::Result<Grant> {
        let token = random_token()?;
        self.grants
            .lock()
            .map_err(|_| std::io::Error::other("the credential grants are poisoned"))?
            .insert(token.clone(), session.clone());
        Ok(Grant {
            token,
            grants: self.grants.clone(),
        })
    }
}

/// Reads one request (up to 16 KiB of head) and answers it: 200 with the credentials for a
/// known token on `GET /credentials`, else 401, 404 or 405.
async fn answer(mut stream: TcpStream, grants: Grants) -> std::io::Result<()> {
    let mut head = Vec::with_capacity(1024);
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut buf).await?;
        if n == 0 || head.len() + n > 16 * 1024 {
            return Ok(());
        }
        head.extend_from_slice(&buf[..n]);
    }
    let text = String::from_utf8_lossy(&head);
    let mut lines = text.split("\r\n");
    let request = lines.next().unwrap_or_default();
    let mut parts = request.split_whitespace();
    let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let token = lines
        .take_while(|l| !l.is_empty())
        .filter_map(|l| l.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("authorization"))
        .map(|(_, value)| value.trim().to_owned());
    let (status, body) = if method != "GET" {
        ("405 Method Not Allowed", error_body("only GET"))
    } else if path != "/credentials" {
        ("404 Not Found", error_body("no such path"))
    } else {
        let session = token.and_then(|t| grants.lock().ok().and_then(|g| g.get(&t).cloned()));
        match session {
            None => (
                "401 Unauthorized",
                error_body("unknown or expired token: it is good only while its child runs"),
            ),
            Some(session) => match session.child_credentials().await {
                Ok(creds) => ("200 OK", creds.container_json()),
                Err(e) => (
                    "503 Service Unavailable",
                    error_body(&format!("cannot refresh the credentials: {}", e.code)),
                ),
            },
        }
    };
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(response.as_bytes()).await?;
    stream.shutdown().await
}

fn error_body(message: &str) -> String {
    serde_json::json!({ "message": message }).to_string()
}
