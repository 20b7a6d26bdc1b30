//! awssim: a fast AWS simulator for canopy's scale benchmarks.
//!
//! One endpoint answers every service canopy calls (as `AWS_ENDPOINT_URL` points every client
//! at it) for a synthetic estate generated from a seed, with a latency drawn from a log-normal
//! distribution, AWS's documented throttling ([`limits`]) and counters the benchmark reads at
//! `GET /_sim/stats` (and clears with `POST /_sim/reset`).
//!
//! Usage: awssim [--port 0] [--accounts 10000] [--ous 500] [--seed 1] [--max-instances 3000]
//!        [--alpha 1.2] [--uniform N] [--latency-ms 30] [--latency-sigma 0.5] [--threads 1]
//!        [--no-throttle] [--tls-cert PEM --tls-key PEM]
//! Control: `GET /_sim/stats`, `GET /_sim/estate`, `POST /_sim/reset`, `POST /_sim/throttle/on|off`.
//! Prints `awssim listening on http://127.0.0.1:PORT` once ready.

mod estate;
mod limits;
mod services;
mod wire;

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

use estate::Estate;
use limits::{Buckets, Stats, bucket_for};

struct Options {
    port: u16,
    estate: Estate,
    latency_ms: f64,
    latency_sigma: f64,
    threads: usize,
    throttle: bool,
    tls: Option<(String, String)>,
}

fn options() -> Result<Options, String> {
    let mut o = Options {
        port: 0,
        estate: Estate {
            accounts: 10_000,
            ous: 500,
            seed: 1,
            max_instances: 3000,
            alpha: 1.2,
            uniform: None,
        },
        latency_ms: 30.0,
        latency_sigma: 0.5,
        threads: 1,
        throttle: true,
        tls: None,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    let mut cert = None;
    let mut key = None;
    while i < args.len() {
        let flag = args[i].as_str();
        if flag == "--no-throttle" {
            o.throttle = false;
            i += 1;
            continue;
        }
        let value = args.get(i + 1).ok_or(format!("{flag} needs a value"))?;
        let num = || {
            value
                .parse::<f64>()
                .map_err(|_| format!("{flag}: not a number: {value}"))
        };
        match flag {
            "--port" => o.port = num()? as u16,
            "--accounts" => o.estate.accounts = num()? as u64,
            "--ous" => o.estate.ous = num()? as u64,
            "--seed" => o.estate.seed = num()? as u64,
            "--max-instances" => o.estate.max_instances = num()? as u64,
            "--alpha" => o.estate.alpha = num()?,
            "--uniform" => o.estate.uniform = Some(num()? as u64),
            "--latency-ms" => o.latency_ms = num()?,
            "--latency-sigma" => o.latency_sigma = num()?,
            "--threads" => o.threads = (num()? as usize).max(1),
            "--tls-cert" => cert = Some(value.clone()),
            "--tls-key" => key = Some(value.clone()),
            _ => return Err(format!("unknown flag {flag}")),
        }
        i += 2;
    }
    if o.estate.accounts == 0 {
        return Err("--accounts must be at least 1".to_owned());
    }
    o.tls = match (cert, key) {
        (Some(c), Some(k)) => Some((c, k)),
        (None, None) => None,
        _ => return Err("--tls-cert and --tls-key go together".to_owned()),
    };
    Ok(o)
}

/// Per huge account: calls by (region, api) bucket and the first and last call's time, for the
/// tail's figures (its chain through its own buckets).
#[derive(Default)]
struct Tail {
    calls: HashMap<(String, String), (u64, limits::Rate)>,
    first: Option<Instant>,
    last: Option<Instant>,
}

struct State {
    estate: Estate,
    buckets: Buckets,
    stats: Stats,
    throttle: std::sync::atomic::AtomicBool,
    latency_ms: f64,
    latency_sigma: f64,
    /// accounts with at least this many instances are followed one by one
    tail_threshold: u64,
    tails: Mutex<HashMap<u64, Tail>>,
    since: Mutex<Instant>,
}

thread_local! {
    static RNG: std::cell::Cell<u64> = std::cell::Cell::new(estate::mix(std::process::id() as u64 ^ thread_id_seed()));
}

fn thread_id_seed() -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    std::thread::current().id().hash(&mut h);
    h.finish()
}

fn uniform() -> f64 {
    RNG.with(|c| {
        let x = estate::mix(c.get());
        c.set(x);
        ((x >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    })
}

impl State {
    /// A latency from the log-normal distribution (median `latency_ms`, log-sd `sigma`).
    fn latency(&self) -> Duration {
        if self.latency_ms <= 0.0 {
            return Duration::ZERO;
        }
        let z = (-2.0 * uniform().ln()).sqrt() * (2.0 * std::f64::consts::PI * uniform()).cos();
        Duration::from_secs_f64(self.latency_ms * (self.latency_sigma * z).exp() / 1000.0)
    }

    fn tails_json(&self) -> serde_json::Value {
        let since = self
            .since
            .lock()
            .map(|s| *s)
            .unwrap_or_else(|_| Instant::now());
        let Ok(tails) = self.tails.lock() else {
            return serde_json::json!([]);
        };
        let mut out: Vec<serde_json::Value> = tails
            .iter()
            .map(|(&account, t)| {
                let (chain, api) = t
                    .calls
                    .iter()
                    .map(|((region, api), (n, rate))| {
                        (
                            ((*n as f64 - rate.burst).max(0.0)) / rate.per_second,
                            format!("{region} {api} x{n}"),
                        )
                    })
                    .max_by(|a, b| a.0.total_cmp(&b.0))
                    .unwrap_or((0.0, String::new()));
                let at = |i: Option<Instant>| i.map(|i| i.duration_since(since).as_secs_f64());
                serde_json::json!({
                    "account": Estate::id(account),
                    "instances": self.estate.instances_total(account),
                    "chain_seconds": chain,
                    "chain_bucket": api,
                    "first_call": at(t.first),
                    "last_call": at(t.last),
                })
            })
            .collect();
        out.sort_by(|a, b| {
            b["chain_seconds"]
                .as_f64()
                .unwrap_or(0.0)
                .total_cmp(&a["chain_seconds"].as_f64().unwrap_or(0.0))
        });
        serde_json::Value::Array(out)
    }
}

fn reply(
    status: u16,
    content_type: &str,
    body: String,
    headers: &[(&'static str, String)],
) -> Response<Full<Bytes>> {
    let mut b = Response::builder()
        .status(status)
        .header("content-type", content_type)
        .header("x-amzn-requestid", "sim");
    for (k, v) in headers {
        b = b.header(*k, v.as_str());
    }
    b.body(Full::new(Bytes::from(body)))
        .unwrap_or_else(|_| Response::new(Full::new(Bytes::new())))
}

async fn control(state: &State, path: &str, method: &str) -> Response<Full<Bytes>> {
    match (method, path) {
        ("POST", "/_sim/reset") => {
            state.stats.reset();
            state.buckets.sweep_all();
            if let Ok(mut t) = state.tails.lock() {
                t.clear();
            }
            if let Ok(mut s) = state.since.lock() {
                *s = Instant::now();
            }
            reply(200, "application/json", "{}".to_owned(), &[])
        }
        // setup runs (a snapshot to collect from) are not measured: throttling can be paused
        ("POST", "/_sim/throttle/on" | "/_sim/throttle/off") => {
            state
                .throttle
                .store(path.ends_with("/on"), Ordering::Relaxed);
            reply(200, "application/json", "{}".to_owned(), &[])
        }
        ("GET", "/_sim/stats") => {
            let mut v = state.stats.json();
            v["tails"] = state.tails_json();
            reply(200, "application/json", v.to_string(), &[])
        }
        ("GET", "/_sim/estate") => {
            let e = &state.estate;
            let (largest, largest_n) = e.largest();
            let active = (0..e.accounts).filter(|&i| !e.suspended(i)).count();
            let instances: u64 = (0..e.accounts)
                .filter(|&i| !e.suspended(i))
                .map(|i| e.instances_total(i))
                .sum();
            let per_region: Vec<u64> = estate::REGIONS
                .iter()
                .map(|r| e.instances(largest, r))
                .collect();
            let v = serde_json::json!({
                "accounts": e.accounts,
                "active_accounts": active,
                "ous": e.ous,
                "instances": instances,
                "largest_account": Estate::id(largest),
                "largest_instances": largest_n,
                "largest_by_region": per_region,
                "regions": estate::REGIONS,
                "latency_ms": state.latency_ms,
                "latency_sigma": state.latency_sigma,
                "throttle": state.throttle.load(Ordering::Relaxed),
            });
            reply(200, "application/json", v.to_string(), &[])
        }
        _ => reply(404, "text/plain", "unknown control path".to_owned(), &[]),
    }
}

async fn handle(
    state: Arc<State>,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, hyper::Error> {
    let method = req.method().as_str().to_owned();
    let path = req.uri().path().to_owned();
    if path.starts_with("/_sim/") {
        return Ok(control(&state, &path, &method).await);
    }
    let query = req.uri().query().unwrap_or("").to_owned();
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let target = header("x-amz-target");
    let authorization = header("authorization").unwrap_or_default();
    let body = req.into_body().collect().await?.to_bytes();
    let Some(call) = wire::decode(
        &method,
        &path,
        &query,
        target.as_deref(),
        &authorization,
        &body,
    ) else {
        return Ok(reply(403, "text/xml", "<Error><Code>MissingAuthenticationToken</Code><Message>Request is missing Authentication Token</Message></Error>".to_owned(), &[]));
    };
    let account = services::caller(&state.estate, &call.access_key);
    let stats = &state.stats;
    let flying = stats.in_flight.fetch_add(1, Ordering::Relaxed) + 1;
    stats.peak_in_flight.fetch_max(flying, Ordering::Relaxed);

    let unpaginated = call.proto == wire::Proto::Ec2
        && call.param("MaxResults").is_none()
        && !call.has_param_prefix("Filter.");
    let key = bucket_for(&call.service, &call.op, account, &call.region, unpaginated);
    let allowed = !state.throttle.load(Ordering::Relaxed) || state.buckets.take(&key);
    let latency = state.latency();
    stats
        .latency_us
        .fetch_add(latency.as_micros() as u64, Ordering::Relaxed);
    let api = call.api();
    let answer = if allowed {
        services::answer(&state.estate, &call, account)
    } else {
        wire::throttled(&call)
    };
    stats.record(&api, !allowed);
    if allowed && answer.status >= 400 {
        stats.errors.fetch_add(1, Ordering::Relaxed);
    }
    if allowed && answer.status < 300 {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (
            account,
            &call.region,
            &api,
            &call.params,
            &call.path,
            query.as_str(),
        )
            .hash(&mut h);
        body.hash(&mut h);
        stats.first_time(&api, h.finish());
    }
    if allowed
        && state.estate.instances_total(account) >= state.tail_threshold
        && let Ok(mut tails) = state.tails.lock()
    {
        let t = tails.entry(account).or_default();
        let now = Instant::now();
        t.first.get_or_insert(now);
        t.last = Some(now);
        t.calls
            .entry((call.region.clone(), api.clone()))
            .or_insert((0, key.rate))
            .0 += 1;
    }
    tokio::time::sleep(latency).await;
    stats.in_flight.fetch_sub(1, Ordering::Relaxed);
    Ok(reply(
        answer.status,
        answer.content_type,
        answer.body,
        &answer.headers,
    ))
}

fn tls_acceptor(cert: &str, key: &str) -> Result<tokio_rustls::TlsAcceptor, String> {
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::{CertificateDer, PrivateKeyDer};
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .map_err(|e| format!("{cert}: {e}"))?
        .collect::<Result<_, _>>()
        .map_err(|e| format!("{cert}: {e}"))?;
    let key = PrivateKeyDer::from_pem_file(key).map_err(|e| format!("{key}: {e}"))?;
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| e.to_string())?
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .map_err(|e| e.to_string())?;
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
}

fn main() {
    let o = match options() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("awssim: {e}");
            std::process::exit(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(o.threads)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("awssim: {e}");
            std::process::exit(1);
        }
    };
    if let Err(e) = runtime.block_on(serve(o)) {
        eprintln!("awssim: {e}");
        std::process::exit(1);
    }
}

async fn serve(o: Options) -> Result<(), String> {
    let acceptor = match &o.tls {
        Some((c, k)) => Some(tls_acceptor(c, k)?),
        None => None,
    };
    let state = Arc::new(State {
        tail_threshold: 200.min(o.estate.max_instances.max(1)),
        estate: o.estate,
        buckets: Buckets::new(),
        stats: Stats::default(),
        throttle: std::sync::atomic::AtomicBool::new(o.throttle),
        latency_ms: o.latency_ms,
        latency_sigma: o.latency_sigma,
        tails: Mutex::new(HashMap::new()),
        since: Mutex::new(Instant::now()),
    });
    let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], o.port)))
        .await
        .map_err(|e| e.to_string())?;
    let port = listener.local_addr().map_err(|e| e.to_string())?.port();
    let scheme = if acceptor.is_some() { "https" } else { "http" };
    println!("awssim listening on {scheme}://127.0.0.1:{port}");
    {
        let state = state.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(5)).await;
                state.buckets.sweep();
            }
        });
    }
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        state.stats.connections.fetch_add(1, Ordering::Relaxed);
        let state = state.clone();
        let acceptor = acceptor.clone();
        tokio::spawn(async move {
            let svc = {
                let state = state.clone();
                service_fn(move |req| handle(state.clone(), req))
            };
            let http = http1::Builder::new().keep_alive(true).clone();
            match acceptor {
                Some(acceptor) => {
                    if let Ok(tls) = acceptor.accept(stream).await {
                        state.stats.handshakes.fetch_add(1, Ordering::Relaxed);
                        let _ = http.serve_connection(TokioIo::new(tls), svc).await;
                    }
                }
                None => {
                    let _ = http.serve_connection(TokioIo::new(stream), svc).await;
                }
            }
        });
    }
}
