//! Following ARM long-running operations to the end: `Azure-AsyncOperation` first, then
//! `Location`, then the resource's own `properties.provisioningState`.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::Value;
use url::Url;

use crate::client::{ArmClient, ArmResponse};
use crate::error::{ArmError, ErrorDetail, OperationFailure};

/// Where a running operation is, reported after every poll.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LroProgress {
    /// Last status seen (`InProgress`, `Accepted`, `Updating`, `Succeeded`, ...).
    pub status: String,
    /// Polls so far.
    pub polls: u32,
    /// Time since the operation started.
    pub elapsed: Duration,
}

/// How the operation's progress is reported by ARM.
#[derive(Debug)]
enum Tracking {
    AsyncOperation(Url),
    Location(Url),
    ProvisioningState,
}

/// Terminal statuses, compared case-insensitively.
fn terminal(status: &str) -> bool {
    ["succeeded", "failed", "canceled"]
        .iter()
        .any(|t| status.eq_ignore_ascii_case(t))
}

fn succeeded(status: &str) -> bool {
    status.eq_ignore_ascii_case("succeeded")
}

fn provisioning_state(body: &Value) -> Option<&str> {
    body.pointer("/properties/provisioningState")
        .and_then(Value::as_str)
}

impl ArmClient {
    fn parse_poll_url(&self, raw: &str) -> Result<Url, ArmError> {
        let url = Url::parse(raw).map_err(|e| ArmError::Url {
            url: raw.to_owned(),
            detail: e.to_string(),
        })?;
        self.check_same_origin(&url)?;
        Ok(url)
    }

    /// Sends a PUT/PATCH/DELETE and follows its long-running operation until it ends, then
    /// returns the resource as ARM has it afterwards (`null` after a delete).
    pub async fn send_lro(
        &self,
        method: Method,
        resource_url: Url,
        body: Option<&Value>,
        progress: &mut (dyn FnMut(&LroProgress) + Send),
    ) -> Result<Value, ArmError> {
        let started = Instant::now();
        let initial = self
            .send(method.clone(), resource_url.clone(), body)
            .await?;
        let tracking = if let Some(u) = initial.header("azure-asyncoperation") {
            Tracking::AsyncOperation(self.parse_poll_url(u)?)
        } else if let Some(u) = initial
            .header("location")
            .filter(|_| initial.status == 202 || initial.status == 201)
        {
            Tracking::Location(self.parse_poll_url(u)?)
        } else {
            Tracking::ProvisioningState
        };
        tracing::debug!(%method, url = %resource_url, status = initial.status, ?tracking, "long-running operation started");
        let resource = resource_url.path().to_owned();
        let mut poller = Poller {
            client: self,
            started,
            polls: 0,
            resource: &resource,
            last_status: String::new(),
            last: initial,
        };
        match tracking {
            Tracking::AsyncOperation(url) => poller.async_operation(url, progress).await?,
            Tracking::Location(url) => poller.location(url, progress).await?,
            Tracking::ProvisioningState => {
                let body = poller.last.json()?;
                let state = provisioning_state(&body).unwrap_or("Succeeded").to_owned();
                if terminal(&state) {
                    poller.report(&state, progress);
                    poller.check_terminal(&state, ErrorDetail::default(), &resource_url)?;
                    return Ok(body);
                }
                return poller.provisioning_state(resource_url, progress).await;
            }
        }
        if method == Method::DELETE {
            return Ok(Value::Null);
        }
        self.send(Method::GET, resource_url, None).await?.json()
    }
}

struct Poller<'a> {
    client: &'a ArmClient,
    started: Instant,
    polls: u32,
    resource: &'a str,
    last_status: String,
    last: ArmResponse,
}

impl Poller<'_> {
    /// Sleeps before the next poll: the last response's `Retry-After` (capped) or the default.
    async fn wait(&mut self) -> Result<(), ArmError> {
        let policy = &self.client.config().poll;
        if self.started.elapsed() >= policy.timeout {
            return Err(ArmError::OperationTimeout {
                resource: self.resource.to_owned(),
                status: self.last_status.clone(),
                waited: self.started.elapsed(),
            });
        }
        let delay = self
            .last
            .retry_after()
            .map(|d| d.min(policy.max_interval))
            .unwrap_or(policy.default_interval);
        tokio::time::sleep(delay).await;
        Ok(())
    }

    async fn poll(&mut self, url: &Url) -> Result<(), ArmError> {
        self.wait().await?;
        self.polls += 1;
        self.last = self.client.send(Method::GET, url.clone(), None).await?;
        Ok(())
    }

    fn report(&mut self, status: &str, progress: &mut (dyn FnMut(&LroProgress) + Send)) {
        self.last_status = status.to_owned();
        progress(&LroProgress {
            status: status.to_owned(),
            polls: self.polls,
            elapsed: self.started.elapsed(),
        });
    }

    fn check_terminal(&self, status: &str, error: ErrorDetail, url: &Url) -> Result<(), ArmError> {
        if succeeded(status) {
            return Ok(());
        }
        Err(ArmError::OperationFailed(Box::new(OperationFailure {
            resource: self.resource.to_owned(),
            status: status.to_owned(),
            error,
            operation_url: url.to_string(),
            ids: self.last.ids(),
        })))
    }

    async fn async_operation(
        &mut self,
        url: Url,
        progress: &mut (dyn FnMut(&LroProgress) + Send),
    ) -> Result<(), ArmError> {
        loop {
            self.poll(&url).await?;
            let body = self.last.json()?;
            let status = body
                .get("status")
                .and_then(Value::as_str)
                .unwrap_or("InProgress")
                .to_owned();
            self.report(&status, progress);
            if terminal(&status) {
                let error = body
                    .get("error")
                    .and_then(|e| serde_json::from_value(e.clone()).ok())
                    .unwrap_or_default();
                return self.check_terminal(&status, error, &url);
            }
        }
    }

    async fn location(
        &mut self,
        url: Url,
        progress: &mut (dyn FnMut(&LroProgress) + Send),
    ) -> Result<(), ArmError> {
        loop {
            self.poll(&url).await?;
            if self.last.status == 202 {
                self.report("InProgress", progress);
                continue;
            }
            self.report("Succeeded", progress);
            return Ok(());
        }
    }

    async fn provisioning_state(
        &mut self,
        resource_url: Url,
        progress: &mut (dyn FnMut(&LroProgress) + Send),
    ) -> Result<Value, ArmError> {
        loop {
            self.poll(&resource_url).await?;
            let body = self.last.json()?;
            let state = provisioning_state(&body).unwrap_or("Succeeded").to_owned();
            self.report(&state, progress);
            if terminal(&state) {
                self.check_terminal(&state, ErrorDetail::default(), &resource_url)?;
                return Ok(body);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_statuses_are_case_insensitive() {
        assert!(terminal("Succeeded") && terminal("FAILED") && terminal("canceled"));
        assert!(!terminal("InProgress") && !terminal("Running") && !terminal("Updating"));
        assert!(succeeded("succeeded") && !succeeded("Failed"));
    }
}
