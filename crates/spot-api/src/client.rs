//! The HTTP client: authentication, envelope decoding, retries and create recovery.

use crate::config::ClientConfig;
use crate::credentials::Credentials;
use crate::envelope::Envelope;
use crate::error::{ErrorItem, SpotError, StatusError, TransportKind, excerpt};
use crate::group::{CreatedGroup, Group, GroupStatus};
use crate::retry::{RetryPolicy, parse_retry_after};
use elastigroup::ApiGeneration;
use reqwest::Method;
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap, HeaderValue, RETRY_AFTER};
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use std::time::Duration;
use tracing::{debug, info, warn};
use url::{Host, Url};

/// How much of a non-JSON body an error message shows.
const EXCERPT_CHARS: usize = 200;

/// A Spot API client. Cheap to clone (the connection pool is shared).
#[derive(Debug, Clone)]
pub struct SpotClient {
    http: reqwest::Client,
    base: Url,
    token: SecretString,
    account: Option<String>,
    retry: RetryPolicy,
}

/// One failed attempt, before deciding whether to try again.
enum Failure {
    Status {
        error: StatusError,
        retry_after: Option<Duration>,
    },
    Transport {
        kind: TransportKind,
        source: reqwest::Error,
    },
    Final(SpotError),
}

impl Failure {
    /// Worth another attempt of an idempotent call.
    fn retryable(&self) -> bool {
        match self {
            Failure::Status { error, .. } => error.status == 429 || error.status >= 500,
            Failure::Transport { kind, .. } => *kind != TransportKind::Other,
            Failure::Final(_) => false,
        }
    }

    /// The server may have carried out the request even though we got no success answer.
    fn ambiguous(&self) -> bool {
        match self {
            Failure::Status { error, .. } => error.status >= 500,
            Failure::Transport { kind, .. } => {
                matches!(kind, TransportKind::Timeout | TransportKind::Connection)
            }
            Failure::Final(_) => false,
        }
    }

    fn retry_after(&self) -> Option<Duration> {
        match self {
            Failure::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    fn into_error(self, method: &Method, url: &Url, attempts: u32) -> SpotError {
        match self {
            Failure::Status { mut error, .. } => {
                error.attempts = attempts;
                SpotError::Status(Box::new(error))
            }
            Failure::Transport { kind, source } => SpotError::Transport {
                method: method.to_string(),
                url: display_url(url),
                kind,
                attempts,
                source: source.without_url(),
            },
            Failure::Final(e) => e,
        }
    }

    fn describe(&self) -> String {
        match self {
            Failure::Status { error, .. } => error.to_string(),
            Failure::Transport { kind, source } => format!("{kind}: {source}"),
            Failure::Final(e) => e.to_string(),
        }
    }
}

/// Which retryable failures a call may try again.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Retried {
    /// Any: the call is idempotent.
    Any,
    /// Only those the server certainly did not carry out (429, no connection made).
    NotCarriedOut,
}

impl Retried {
    /// How the retry warning says the attempt went.
    fn failed(self) -> &'static str {
        match self {
            Retried::Any => "failed",
            Retried::NotCarriedOut => "not carried out",
        }
    }
}

fn classify(e: &reqwest::Error) -> TransportKind {
    if e.is_connect() {
        TransportKind::Connect
    } else if e.is_timeout() {
        TransportKind::Timeout
    } else if e.is_builder() || e.is_redirect() {
        TransportKind::Other
    } else {
        TransportKind::Connection
    }
}

/// The URL as shown in errors and logs: no query string.
fn display_url(url: &Url) -> String {
    let mut u = url.clone();
    u.set_query(None);
    u.to_string()
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// Checks the base URL: https anywhere, plain http only to loopback hosts.
fn checked_base(raw: &str) -> Result<Url, SpotError> {
    let mut url = Url::parse(raw).map_err(|e| SpotError::InvalidBaseUrl {
        url: raw.to_owned(),
        reason: e.to_string(),
    })?;
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => {
            return Err(SpotError::InsecureUrl {
                url: display_url(&url),
            });
        }
        other => {
            return Err(SpotError::InvalidBaseUrl {
                url: raw.to_owned(),
                reason: format!("unsupported scheme {other:?} (use https)"),
            });
        }
    }
    if url.cannot_be_a_base() || url.host().is_none() {
        return Err(SpotError::InvalidBaseUrl {
            url: raw.to_owned(),
            reason: "no host".to_owned(),
        });
    }
    url.set_query(None);
    url.set_fragment(None);
    Ok(url)
}

fn group_object(body: &Value) -> Result<&serde_json::Map<String, Value>, SpotError> {
    body.get("group")
        .and_then(Value::as_object)
        .ok_or_else(|| SpotError::InvalidBody("the body must be {\"group\": {...}}".to_owned()))
}

/// The `detachVms` request (v3): terminate the VMs and lower the target by their number (the
/// openapi's `elastigroupAzureSpotVmsDetachVms` requires all three fields).
pub fn detach_vms_body(vm_names: &[String]) -> Value {
    serde_json::json!({
        "vmsToDetach": vm_names,
        "shouldTerminateVms": true,
        "shouldDecrementTargetCapacity": true,
    })
}

/// The `detachInstances` request (v2): the same, by `instanceId`. The openapi's
/// `elastigroupAzureDetachInstances` body lists `instancesToDetach`,
/// `shouldDecrementTargetCapacity` and `drainingTimeout`; `shouldTerminateInstances` is the
/// field of Spot's own v2 SDK (`DetachGroupInput`, sdk-go before f43a69a) that ends the VMs
/// instead of leaving them running outside the group. The schema allows fields beyond its list.
pub fn detach_instances_body(instance_ids: &[String]) -> Value {
    serde_json::json!({
        "instancesToDetach": instance_ids,
        "shouldDecrementTargetCapacity": true,
        "shouldTerminateInstances": true,
    })
}

/// The VMs a detach answer's items name as detached (v3 `detachedVms[].vmName`, v2
/// `detachedOd[]` and `detachedLowPriority[]`); `None` when no item carries such a list.
pub fn detached_of_answer(generation: ApiGeneration, items: &[Value]) -> Option<Vec<String>> {
    let mut found = false;
    let mut names = Vec::new();
    for item in items {
        let lists: &[&str] = match generation {
            ApiGeneration::V3 => &["detachedVms"],
            ApiGeneration::V2 => &["detachedOd", "detachedLowPriority"],
        };
        for key in lists {
            let Some(list) = item.get(*key).and_then(Value::as_array) else {
                continue;
            };
            found = true;
            names.extend(list.iter().filter_map(|v| {
                let name = match generation {
                    ApiGeneration::V3 => v.get("vmName").unwrap_or(v),
                    ApiGeneration::V2 => v,
                };
                name.as_str().map(str::to_owned)
            }));
        }
    }
    found.then_some(names)
}

impl SpotClient {
    /// A client for `config.base_url` authenticating with `credentials`.
    pub fn new(config: ClientConfig, credentials: Credentials) -> Result<Self, SpotError> {
        let base = checked_base(&config.base_url)?;
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        let http = reqwest::Client::builder()
            .user_agent(config.user_agent)
            .default_headers(headers)
            .timeout(config.timeout)
            .connect_timeout(config.connect_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(SpotError::Client)?;
        Ok(Self {
            http,
            base,
            token: credentials.token,
            account: credentials.account,
            retry: config.retry,
        })
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &Url {
        &self.base
    }

    /// The account sent as `accountId`, if any.
    pub fn account(&self) -> Option<&str> {
        self.account.as_deref()
    }

    fn url(
        &self,
        generation: ApiGeneration,
        id: Option<&str>,
        suffix: Option<&str>,
        query: &[(&str, &str)],
    ) -> Url {
        let mut url = self.base.clone();
        if let Ok(mut segments) = url.path_segments_mut() {
            segments.pop_if_empty();
            for s in generation
                .collection_path()
                .split('/')
                .filter(|s| !s.is_empty())
            {
                segments.push(s);
            }
            if let Some(id) = id {
                segments.push(id);
            }
            if let Some(suffix) = suffix {
                segments.push(suffix);
            }
        }
        let mut pairs: Vec<(&str, &str)> = Vec::new();
        if let Some(account) = self.account.as_deref() {
            pairs.push(("accountId", account));
        }
        pairs.extend_from_slice(query);
        if !pairs.is_empty() {
            url.query_pairs_mut().extend_pairs(pairs);
        }
        url
    }

    /// One HTTP exchange.
    async fn attempt(
        &self,
        method: &Method,
        url: &Url,
        body: Option<&Value>,
    ) -> Result<Envelope, Failure> {
        debug!(%method, url = %display_url(url), "spot api request");
        let mut request = self
            .http
            .request(method.clone(), url.clone())
            .bearer_auth(self.token.expose_secret());
        if let Some(body) = body {
            request = request.json(body);
        }
        let transport = |source: reqwest::Error| Failure::Transport {
            kind: classify(&source),
            source,
        };
        let response = request.send().await.map_err(transport)?;
        let status = response.status();
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_retry_after);
        let header_request_id = response
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let text = response.text().await.map_err(transport)?;
        let parsed = serde_json::from_str::<Envelope>(&text);
        if status.is_success() {
            return parsed.map_err(|e| {
                Failure::Final(SpotError::Decode {
                    method: method.to_string(),
                    url: display_url(url),
                    status: status.as_u16(),
                    request_id: header_request_id,
                    reason: e.to_string(),
                    excerpt: excerpt(&text, EXCERPT_CHARS),
                })
            });
        }
        let (request_id, errors, body_excerpt) = match parsed {
            Ok(env) => (
                env.request.id.or(header_request_id),
                env.response.errors,
                None,
            ),
            Err(_) => (
                header_request_id,
                Vec::new(),
                Some(excerpt(&text, EXCERPT_CHARS)),
            ),
        };
        let errors = errors
            .into_iter()
            .filter(|e: &ErrorItem| !(e.code.is_empty() && e.message.is_empty()))
            .collect();
        Err(Failure::Status {
            error: StatusError {
                method: method.to_string(),
                url: display_url(url),
                status: status.as_u16(),
                status_text: status.canonical_reason().unwrap_or_default().to_owned(),
                request_id,
                errors,
                body_excerpt,
                attempts: 1,
            },
            retry_after,
        })
    }

    /// An idempotent call, retried on 429, 5xx and transport failures.
    async fn call(
        &self,
        method: Method,
        url: Url,
        body: Option<&Value>,
    ) -> Result<Envelope, SpotError> {
        self.call_retrying(method, url, body, Retried::Any).await
    }

    /// A call that must not be carried out twice (a detach lowers the target each time): tried
    /// again only when the server certainly did not carry it out (429, no connection made); a
    /// 5xx, a timeout or a broken connection is returned at once, for the caller to find out
    /// from the server's state what happened.
    async fn call_at_most_once(
        &self,
        method: Method,
        url: Url,
        body: Option<&Value>,
    ) -> Result<Envelope, SpotError> {
        self.call_retrying(method, url, body, Retried::NotCarriedOut)
            .await
    }

    /// The one retry loop of [`Self::call`] and [`Self::call_at_most_once`]: `retried` says
    /// which retryable failures may be tried again.
    async fn call_retrying(
        &self,
        method: Method,
        url: Url,
        body: Option<&Value>,
        retried: Retried,
    ) -> Result<Envelope, SpotError> {
        let mut attempts = 0;
        loop {
            attempts += 1;
            match self.attempt(&method, &url, body).await {
                Ok(envelope) => return Ok(envelope),
                Err(failure)
                    if failure.retryable()
                        && (retried == Retried::Any || !failure.ambiguous())
                        && self.retry.allows_another(attempts) =>
                {
                    let delay = self.retry.delay(attempts, failure.retry_after());
                    warn!(%method, url = %display_url(&url), attempt = attempts, delay_ms = delay.as_millis() as u64,
                        "spot api call {}, retrying: {}", retried.failed(), failure.describe());
                    tokio::time::sleep(delay).await;
                }
                Err(failure) => return Err(failure.into_error(&method, &url, attempts)),
            }
        }
    }

    fn first_group(
        &self,
        method: &Method,
        url: &Url,
        envelope: Envelope,
    ) -> Result<Group, SpotError> {
        let request_id = envelope.request.id.clone();
        envelope
            .response
            .items
            .into_iter()
            .next()
            .and_then(Group::from_item)
            .ok_or_else(|| SpotError::Decode {
                method: method.to_string(),
                url: display_url(url),
                status: 200,
                request_id,
                reason: "response.items[0] is not a group with an id".to_owned(),
                excerpt: String::new(),
            })
    }

    /// Creates a group from `{"group": {...}}` (which must carry `group.name`).
    ///
    /// Never retried blindly: after a timeout, a dropped connection or a 5xx, groups of the same
    /// name are listed and, when one exists, it is returned with `recovered = true`; otherwise the
    /// POST is tried again (bounded by the retry policy). A 429 is retried after its
    /// `Retry-After`; any other 4xx fails at once.
    pub async fn create_group(
        &self,
        generation: ApiGeneration,
        body: &Value,
    ) -> Result<CreatedGroup, SpotError> {
        let name = group_object(body)?
            .get("name")
            .and_then(Value::as_str)
            .filter(|n| !n.is_empty())
            .ok_or_else(|| {
                SpotError::InvalidBody("group.name is required to create a group".to_owned())
            })?
            .to_owned();
        let method = Method::POST;
        let url = self.url(generation, None, None, &[]);
        let mut attempts = 0;
        loop {
            attempts += 1;
            let failure = match self.attempt(&method, &url, Some(body)).await {
                Ok(envelope) => {
                    let group = self.first_group(&method, &url, envelope)?;
                    info!(group_id = %group.id, name = %name, generation = %generation, "spot group created");
                    return Ok(CreatedGroup {
                        group,
                        recovered: false,
                    });
                }
                Err(failure) => failure,
            };
            let again = failure.retryable() && self.retry.allows_another(attempts);
            if !failure.ambiguous() && !again {
                return Err(failure.into_error(&method, &url, attempts));
            }
            warn!(name = %name, generation = %generation, attempt = attempts,
                "creating spot group failed: {}", failure.describe());
            if again {
                tokio::time::sleep(self.retry.delay(attempts, failure.retry_after())).await;
            }
            if failure.ambiguous() {
                match self.find_by_name(generation, &name).await {
                    Ok(Some(group)) => {
                        info!(group_id = %group.id, name = %name, "the group was created although its response was lost; recovered it by name");
                        return Ok(CreatedGroup {
                            group,
                            recovered: true,
                        });
                    }
                    Ok(None) => {
                        debug!(name = %name, "no group of that name exists after the failed create")
                    }
                    Err(check) => {
                        return Err(SpotError::CreateOutcomeUnknown {
                            name,
                            create: Box::new(failure.into_error(&method, &url, attempts)),
                            check: Box::new(check),
                        });
                    }
                }
            }
            if !again {
                return Err(failure.into_error(&method, &url, attempts));
            }
        }
    }

    /// The newest group named exactly `name`, if any.
    pub async fn find_by_name(
        &self,
        generation: ApiGeneration,
        name: &str,
    ) -> Result<Option<Group>, SpotError> {
        let mut groups = self.list_groups(generation, Some(name)).await?;
        groups.sort_by(|a, b| a.created_at.cmp(&b.created_at));
        Ok(groups.pop())
    }

    /// Groups of a generation; with `name`, only those named exactly so (v3 filters on the
    /// server too; v2 has no filter, so it is done here).
    pub async fn list_groups(
        &self,
        generation: ApiGeneration,
        name: Option<&str>,
    ) -> Result<Vec<Group>, SpotError> {
        let query: Vec<(&str, &str)> = match (generation, name) {
            (ApiGeneration::V3, Some(n)) => vec![("name", n)],
            _ => Vec::new(),
        };
        let url = self.url(generation, None, None, &query);
        let envelope = self.call(Method::GET, url, None).await?;
        Ok(envelope
            .response
            .items
            .into_iter()
            .filter_map(Group::from_item)
            .filter(|g| name.is_none_or(|n| g.name == n))
            .collect())
    }

    /// One group by id.
    pub async fn get_group(&self, generation: ApiGeneration, id: &str) -> Result<Group, SpotError> {
        let url = self.url(generation, Some(id), None, &[]);
        let envelope = self.call(Method::GET, url.clone(), None).await?;
        self.first_group(&Method::GET, &url, envelope)
    }

    /// Replaces a group's configuration (PUT `{"group": {...}}`; a `group.id` is dropped, the id
    /// goes in the path).
    pub async fn update_group(
        &self,
        generation: ApiGeneration,
        id: &str,
        body: &Value,
    ) -> Result<Group, SpotError> {
        let mut group = group_object(body)?.clone();
        group.remove("id");
        let body = serde_json::json!({ "group": group });
        let url = self.url(generation, Some(id), None, &[]);
        let envelope = self.call(Method::PUT, url.clone(), Some(&body)).await?;
        let group = self.first_group(&Method::PUT, &url, envelope)?;
        info!(group_id = %id, generation = %generation, "spot group updated");
        Ok(group)
    }

    /// Removes these VMs from a group, terminating them and lowering the group's target by
    /// their number, so Spot starts no replacement and chooses no other VM to remove: v3 by
    /// name (`PUT .../detachVms`), v2 by `instanceId` (`PUT .../detachInstances`), the names
    /// being what [`SpotClient::group_vms`] returns for the generation.
    ///
    /// Returns the VMs Spot's answer names as detached (v3 `detachedVms[].vmName`, v2
    /// `detachedOd` and `detachedLowPriority`), or `None` when the answer carries no such list.
    pub async fn detach_vms(
        &self,
        generation: ApiGeneration,
        id: &str,
        vm_names: &[String],
    ) -> Result<Option<Vec<String>>, SpotError> {
        let (body, suffix) = match generation {
            ApiGeneration::V3 => (detach_vms_body(vm_names), "detachVms"),
            ApiGeneration::V2 => (detach_instances_body(vm_names), "detachInstances"),
        };
        let url = self.url(generation, Some(id), Some(suffix), &[]);
        // Each detach lowers the target: never repeated on an answer that may follow its effect.
        let answer = self
            .call_at_most_once(Method::PUT, url, Some(&body))
            .await?;
        info!(group_id = %id, generation = %generation, vms = vm_names.len(), "spot VMs detached and terminated");
        Ok(detached_of_answer(generation, &answer.response.items))
    }

    /// Deletes a group.
    pub async fn delete_group(&self, generation: ApiGeneration, id: &str) -> Result<(), SpotError> {
        let url = self.url(generation, Some(id), None, &[]);
        self.call(Method::DELETE, url, None).await?;
        info!(group_id = %id, generation = %generation, "spot group deleted");
        Ok(())
    }

    /// A group's status and VMs.
    pub async fn group_status(
        &self,
        generation: ApiGeneration,
        id: &str,
    ) -> Result<GroupStatus, SpotError> {
        let url = self.url(generation, Some(id), Some("status"), &[]);
        let items = self.call(Method::GET, url, None).await?.response.items;
        Ok(match generation {
            ApiGeneration::V3 => GroupStatus::from_v3_items(items),
            ApiGeneration::V2 => GroupStatus::from_v2_items(items),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(base: &str, account: Option<&str>) -> Result<SpotClient, SpotError> {
        SpotClient::new(
            ClientConfig {
                base_url: base.to_owned(),
                ..ClientConfig::default()
            },
            Credentials::new("t0ken", account.map(str::to_owned)),
        )
    }

    #[test]
    fn a_detach_answer_names_the_vms_it_detached_or_nothing() {
        use serde_json::json;
        let v3 = [json!({"detachedVms": [{"vmName": "vm-a"}, {"vmName": "vm-b"}], "newVms": []})];
        assert_eq!(
            detached_of_answer(ApiGeneration::V3, &v3),
            Some(vec!["vm-a".to_owned(), "vm-b".to_owned()])
        );
        let v2 = [json!({"detachedOd": ["i-1"], "detachedLowPriority": ["i-2"]})];
        assert_eq!(
            detached_of_answer(ApiGeneration::V2, &v2),
            Some(vec!["i-1".to_owned(), "i-2".to_owned()])
        );
        assert_eq!(detached_of_answer(ApiGeneration::V3, &[json!({})]), None);
        assert_eq!(detached_of_answer(ApiGeneration::V2, &[]), None);
    }

    #[test]
    fn plain_http_only_to_loopback() {
        for ok in [
            "http://127.0.0.1:8080",
            "http://127.1.2.3",
            "http://[::1]:9",
            "http://localhost:1",
            "https://api.spotinst.io",
        ] {
            assert!(client(ok, None).is_ok(), "{ok}");
        }
        for bad in [
            "http://api.spotinst.io",
            "http://10.0.0.1:80",
            "http://[fe80::1]",
        ] {
            let err = client(bad, None).unwrap_err();
            assert!(matches!(err, SpotError::InsecureUrl { .. }), "{bad}: {err}");
            assert!(
                err.to_string()
                    .contains("refusing to send the Spot token over plain http")
            );
        }
        assert!(matches!(
            client("ftp://x", None),
            Err(SpotError::InvalidBaseUrl { .. })
        ));
        assert!(matches!(
            client("not a url", None),
            Err(SpotError::InvalidBaseUrl { .. })
        ));
    }

    #[test]
    fn urls_carry_account_and_encode_ids() {
        let c = client("https://proxy.example/spot/", Some("act-1")).unwrap();
        let u = c.url(ApiGeneration::V3, Some("sig-1/../x"), Some("status"), &[]);
        assert_eq!(
            u.as_str(),
            "https://proxy.example/spot/azure/compute/group/sig-1%2F..%2Fx/status?accountId=act-1"
        );
        let u = c.url(ApiGeneration::V2, None, None, &[]);
        assert_eq!(
            display_url(&u),
            "https://proxy.example/spot/compute/azure/group"
        );
        let c = client("https://api.spotinst.io", None).unwrap();
        let u = c.url(ApiGeneration::V3, None, None, &[("name", "a b")]);
        assert_eq!(
            u.as_str(),
            "https://api.spotinst.io/azure/compute/group?name=a+b"
        );
        assert!(!format!("{c:?}").contains("t0ken"));
    }
}
