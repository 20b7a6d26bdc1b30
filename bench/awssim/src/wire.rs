//! The four AWS protocols, as far as the simulator needs them: who is calling (from the SigV4
//! `Authorization` header: access key, region, service), which action (`Action=` of a query
//! body, `X-Amz-Target` of a JSON one, method and path of a REST one), and answers and errors in
//! each protocol's shape.

use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proto {
    /// awsQuery (IAM, STS, RDS, ELB, ElastiCache, Redshift, SNS)
    Query,
    /// ec2Query
    Ec2,
    /// awsJson 1.0/1.1 (Organizations, KMS, DynamoDB, ECS, ...)
    Json,
    /// restJson1 (Lambda, EKS, EFS, GuardDuty, Security Hub, ...)
    RestJson,
    /// restXml (S3, CloudFront)
    RestXml,
}

/// A request, decoded.
pub struct Call {
    pub proto: Proto,
    /// The signing name: `ec2`, `iam`, `organizations`, ...
    pub service: String,
    pub region: String,
    pub access_key: String,
    /// The action (`DescribeInstances`); REST calls get a name from their method and path.
    pub op: String,
    /// Query parameters of a query body, or of a REST URL.
    pub params: Vec<(String, String)>,
    /// A JSON body (JSON protocols).
    pub json: serde_json::Value,
    pub method: String,
    pub path: String,
}

impl Call {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The values of a query list (`Filter.member.1`, `Filter.member.2`, ... given `Filter.member.`).
    pub fn params_with_prefix(&self, prefix: &str) -> Vec<&str> {
        self.params
            .iter()
            .filter(|(k, _)| k.starts_with(prefix))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    pub fn has_param_prefix(&self, prefix: &str) -> bool {
        self.params.iter().any(|(k, _)| k.starts_with(prefix))
    }

    pub fn str(&self, field: &str) -> Option<&str> {
        self.json.get(field).and_then(|v| v.as_str())
    }

    pub fn api(&self) -> String {
        format!("{}:{}", self.service, self.op)
    }
}

/// `AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/ec2/aws4_request, ...` -> (key,
/// region, service).
pub fn credential_scope(authorization: &str) -> Option<(String, String, String)> {
    let rest = authorization.split("Credential=").nth(1)?;
    let scope = rest.split([',', ' ']).next()?;
    let mut parts = scope.split('/');
    let key = parts.next()?.to_owned();
    let _date = parts.next()?;
    let region = parts.next()?.to_owned();
    let service = parts.next()?.to_owned();
    Some((key, region, service))
}

pub fn decode(
    method: &str,
    path: &str,
    query: &str,
    target: Option<&str>,
    authorization: &str,
    body: &Bytes,
) -> Option<Call> {
    let (access_key, region, service) = credential_scope(authorization)?;
    let url_params: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let mut call = Call {
        proto: Proto::RestJson,
        service,
        region,
        access_key,
        op: String::new(),
        params: Vec::new(),
        json: serde_json::Value::Null,
        method: method.to_owned(),
        path: path.to_owned(),
    };
    if let Some(target) = target {
        call.proto = Proto::Json;
        call.op = target.rsplit('.').next().unwrap_or(target).to_owned();
        call.json = serde_json::from_slice(body).unwrap_or(serde_json::Value::Null);
        return Some(call);
    }
    if method == "POST"
        && (body.starts_with(b"Action=") || body.windows(8).any(|w| w == b"&Action="))
    {
        call.proto = if call.service == "ec2" {
            Proto::Ec2
        } else {
            Proto::Query
        };
        call.params = form_urlencoded::parse(body)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        call.op = call.param("Action").unwrap_or_default().to_owned();
        return Some(call);
    }
    call.proto = if matches!(call.service.as_str(), "s3" | "cloudfront") {
        Proto::RestXml
    } else {
        Proto::RestJson
    };
    call.params = url_params;
    call.json = serde_json::from_slice(body).unwrap_or(serde_json::Value::Null);
    call.op = rest_op_name(&call);
    Some(call)
}

/// A REST call's name for counters and buckets: S3's from its subresource, others from the
/// method and the path's fixed segments.
fn rest_op_name(call: &Call) -> String {
    if call.service == "s3" {
        let bucket_only = call.path.trim_matches('/').split('/').count() <= 1;
        if call.path == "/" || call.path.is_empty() {
            return "ListBuckets".to_owned();
        }
        if call.method == "HEAD" && bucket_only {
            return "HeadBucket".to_owned();
        }
        let sub = call.params.first().map(|(k, _)| k.as_str()).unwrap_or("");
        return match sub {
            "acl" => "GetBucketAcl",
            "encryption" => "GetBucketEncryption",
            "lifecycle" => "GetBucketLifecycleConfiguration",
            "location" => "GetBucketLocation",
            "logging" => "GetBucketLogging",
            "notification" => "GetBucketNotificationConfiguration",
            "ownershipControls" => "GetBucketOwnershipControls",
            "policy" => "GetBucketPolicy",
            "policyStatus" => "GetBucketPolicyStatus",
            "replication" => "GetBucketReplication",
            "tagging" => "GetBucketTagging",
            "versioning" => "GetBucketVersioning",
            "website" => "GetBucketWebsite",
            "object-lock" => "GetObjectLockConfiguration",
            "publicAccessBlock" => "GetPublicAccessBlock",
            "list-type" => "ListObjectsV2",
            _ if bucket_only => "ListObjects",
            _ => "GetObject",
        }
        .to_owned();
    }
    // `GET /2015-03-31/functions/` -> `GET /2015-03-31/functions`; identifiers become `{}`
    let mut name = format!("{} ", call.method);
    for (i, seg) in call.path.trim_matches('/').split('/').enumerate() {
        let fixed = i < 2 && !seg.contains(':') && !seg.contains('%') && seg.len() < 40;
        name.push('/');
        name.push_str(if fixed { seg } else { "{}" });
    }
    name
}

/// An answer: status, content type, body, extra headers.
pub struct Answer {
    pub status: u16,
    pub content_type: &'static str,
    pub body: String,
    pub headers: Vec<(&'static str, String)>,
}

impl Answer {
    pub fn new(status: u16, content_type: &'static str, body: String) -> Self {
        Self {
            status,
            content_type,
            body,
            headers: Vec::new(),
        }
    }
}

pub fn query_ok(op: &str, inner: &str) -> Answer {
    Answer::new(
        200,
        "text/xml",
        format!(
            "<{op}Response xmlns=\"https://sim.invalid/doc/\"><{op}Result>{inner}</{op}Result><ResponseMetadata><RequestId>sim</RequestId></ResponseMetadata></{op}Response>"
        ),
    )
}

pub fn ec2_ok(op: &str, inner: &str) -> Answer {
    Answer::new(
        200,
        "text/xml",
        format!(
            "<{op}Response xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>sim</requestId>{inner}</{op}Response>"
        ),
    )
}

pub fn json_ok(value: serde_json::Value) -> Answer {
    Answer::new(200, "application/x-amz-json-1.1", value.to_string())
}

pub fn rest_json_ok(value: serde_json::Value) -> Answer {
    Answer::new(200, "application/json", value.to_string())
}

pub fn xml_ok(body: String) -> Answer {
    Answer::new(200, "application/xml", body)
}

/// An error in the call's protocol.
pub fn error(call: &Call, status: u16, code: &str, message: &str) -> Answer {
    match call.proto {
        Proto::Ec2 => Answer::new(
            status,
            "text/xml",
            format!(
                "<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error></Errors><RequestID>sim</RequestID></Response>"
            ),
        ),
        Proto::Query => Answer::new(
            status,
            "text/xml",
            format!(
                "<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>sim</RequestId></ErrorResponse>"
            ),
        ),
        Proto::Json => Answer::new(
            status,
            "application/x-amz-json-1.1",
            serde_json::json!({"__type": code, "message": message}).to_string(),
        ),
        Proto::RestJson => {
            let mut a = Answer::new(
                status,
                "application/json",
                serde_json::json!({"message": message}).to_string(),
            );
            a.headers.push(("x-amzn-errortype", code.to_owned()));
            a
        }
        Proto::RestXml => Answer::new(
            status,
            "application/xml",
            format!(
                "<Error><Code>{code}</Code><Message>{message}</Message><RequestId>sim</RequestId></Error>"
            ),
        ),
    }
}

/// Each protocol's throttling error, as the service sends it.
pub fn throttled(call: &Call) -> Answer {
    match (call.proto, call.service.as_str()) {
        (Proto::Ec2, _) => error(call, 503, "RequestLimitExceeded", "Request limit exceeded."),
        (Proto::Json, "organizations") => error(
            call,
            400,
            "TooManyRequestsException",
            "AWS Organizations can't complete your request because another request is already in progress or the request rate is too high.",
        ),
        (Proto::Json, _) => error(call, 400, "ThrottlingException", "Rate exceeded"),
        (Proto::Query, _) => error(call, 400, "Throttling", "Rate exceeded"),
        (Proto::RestJson, _) => error(call, 429, "TooManyRequestsException", "Rate exceeded"),
        (Proto::RestXml, _) => error(call, 503, "SlowDown", "Please reduce your request rate."),
    }
}

/// XML-escaped text.
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// An ISO 8601 UTC time (`2026-11-28T10:00:00Z`) of seconds since the epoch.
pub fn iso(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_and_scopes() {
        assert_eq!(iso(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso(1_795_000_000), "2026-11-18T11:06:40Z");
        let (k, r, s) = credential_scope(
            "AWS4-HMAC-SHA256 Credential=ASIASIM1/20261128/eu-west-1/ec2/aws4_request, SignedHeaders=host, Signature=x",
        )
        .unwrap();
        assert_eq!(
            (k.as_str(), r.as_str(), s.as_str()),
            ("ASIASIM1", "eu-west-1", "ec2")
        );
    }
}
