//! The real client against the local Spot API (test-support's `SpotServer`).

use elastigroup::ApiGeneration;
use serde_json::{Value, json};
use spot_api::{ClientConfig, Credentials, RetryPolicy, SpotClient, SpotError};
use std::time::{Duration, Instant};
use test_support::spot_server::{
    Fault, SpotServer, SpotServerOptions, TEST_ACCOUNT, TEST_TOKEN, envelope_validator,
};

const V3: &str = "/azure/compute/group";
const V2: &str = "/compute/azure/group";

/// A local Spot API checking only the envelope shape (the bodies here are deliberately minimal).
fn start() -> SpotServer {
    SpotServer::start_envelope_only()
}

fn fast_policy() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 4,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_secs(2),
    }
}

fn client_for(server: &SpotServer, timeout: Duration, retry: RetryPolicy) -> SpotClient {
    SpotClient::new(
        ClientConfig {
            base_url: server.base_url.clone(),
            timeout,
            retry,
            ..ClientConfig::default()
        },
        Credentials::new(TEST_TOKEN, Some(TEST_ACCOUNT.to_owned())),
    )
    .unwrap()
}

fn client(server: &SpotServer) -> SpotClient {
    client_for(server, Duration::from_secs(5), fast_policy())
}

fn body(name: &str) -> Value {
    json!({"group": {"name": name, "region": "eastus", "capacity": {"minimum": 0, "maximum": 3, "target": 2},
                     "compute": {"vmSizes": {"odSizes": ["standard_d2_v2"], "spotSizes": ["standard_d2_v2"]}}}})
}

/// The id of a group created from `body` (the creation must succeed).
async fn group_id(c: &SpotClient, generation: ApiGeneration, body: &Value) -> String {
    c.create_group(generation, body).await.unwrap().group.id
}

/// The names of the VMs (v2: instance ids) group `id`'s status lists.
async fn vm_names(c: &SpotClient, generation: ApiGeneration, id: &str) -> Vec<String> {
    let status = c.group_status(generation, id).await.unwrap();
    spot_api::vms_of_status(generation, &status)
        .into_iter()
        .map(|v| v.name)
        .collect()
}

fn methods(server: &SpotServer) -> Vec<String> {
    server
        .requests()
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

#[tokio::test]
async fn v3_lifecycle_with_headers_and_account() {
    let server = start();
    let c = client(&server);
    let created = c
        .create_group(ApiGeneration::V3, &body("pool-a"))
        .await
        .unwrap();
    assert!(!created.recovered);
    let id = created.group.id.clone();
    assert!(id.starts_with("sig-") && id.len() == 12, "{id}");
    assert_eq!(created.group.name, "pool-a");

    let post = &server.requests_matching("POST", V3)[0];
    assert_eq!(post.query_param("accountId").as_deref(), Some(TEST_ACCOUNT));
    assert_eq!(post.header("content-type"), Some("application/json"));
    assert_eq!(post.header("accept"), Some("application/json"));
    let ua = post.header("user-agent").unwrap();
    assert!(
        ua.starts_with("spotinst-aks-engine/") && ua.contains(std::env::consts::OS),
        "{ua}"
    );
    assert!(
        post.header("authorization").is_none(),
        "the recorder strips credentials"
    );
    assert_eq!(post.json()["group"]["name"], "pool-a");

    let got = c.get_group(ApiGeneration::V3, &id).await.unwrap();
    assert_eq!(got.id, id);
    assert_eq!(got.raw["capacity"]["target"], 2);

    c.create_group(ApiGeneration::V3, &body("pool-b"))
        .await
        .unwrap();
    let named = c
        .list_groups(ApiGeneration::V3, Some("pool-a"))
        .await
        .unwrap();
    assert_eq!(named.len(), 1);
    let list_req = server
        .requests_matching("GET", V3)
        .into_iter()
        .find(|r| r.path == V3)
        .unwrap();
    assert_eq!(list_req.query_param("name").as_deref(), Some("pool-a"));
    assert_eq!(
        c.list_groups(ApiGeneration::V3, None).await.unwrap().len(),
        2
    );

    let mut update = body("pool-a");
    update["group"]["id"] = json!(id);
    update["group"]["capacity"]["target"] = json!(3);
    let updated = c
        .update_group(ApiGeneration::V3, &id, &update)
        .await
        .unwrap();
    assert_eq!(updated.raw["capacity"]["target"], 3);
    let put = &server.requests_matching("PUT", V3)[0];
    assert!(
        put.json()["group"].get("id").is_none(),
        "id goes in the path only"
    );

    let status = c.group_status(ApiGeneration::V3, &id).await.unwrap();
    assert_eq!(status.status.as_deref(), Some("ready"));
    assert_eq!(status.vms.len(), 3);

    c.delete_group(ApiGeneration::V3, &id).await.unwrap();
    let err = c.get_group(ApiGeneration::V3, &id).await.unwrap_err();
    assert!(spot_api::group_doesnt_exist(&err), "{err}");
    assert!(err.to_string().contains("GROUP_DOESNT_EXIST"), "{err}");
    let err = c.delete_group(ApiGeneration::V3, &id).await.unwrap_err();
    assert!(spot_api::group_doesnt_exist(&err));
}

#[tokio::test]
async fn v2_routes_and_client_side_name_filter() {
    let server = start();
    let c = client(&server);
    let a = c
        .create_group(ApiGeneration::V2, &body("lp-a"))
        .await
        .unwrap()
        .group;
    c.create_group(ApiGeneration::V2, &body("lp-b"))
        .await
        .unwrap();
    assert_eq!(server.requests_matching("POST", V2).len(), 2);
    assert!(server.requests_matching("POST", V3).is_empty());

    let found = c
        .list_groups(ApiGeneration::V2, Some("lp-a"))
        .await
        .unwrap();
    assert_eq!(
        found.iter().map(|g| g.id.as_str()).collect::<Vec<_>>(),
        vec![a.id.as_str()]
    );
    let list_req = server.requests_matching("GET", V2).pop().unwrap();
    assert_eq!(
        list_req.query_param("name"),
        None,
        "v2 list takes no filter"
    );

    // v3 does not see v2 groups
    let err = c.get_group(ApiGeneration::V3, &a.id).await.unwrap_err();
    assert!(spot_api::group_doesnt_exist(&err), "{err}");

    let status = c.group_status(ApiGeneration::V2, &a.id).await.unwrap();
    assert_eq!(status.status, None);
    assert_eq!(status.vms.len(), 2);
    assert_eq!(status.vms[0].life_cycle.as_deref(), Some("low-priority"));

    c.delete_group(ApiGeneration::V2, &a.id).await.unwrap();
    assert_eq!(server.groups().len(), 1);
}

#[tokio::test]
async fn marketplace_error_shows_code_message_field_and_request_id_without_retry() {
    let server = start();
    server.inject(
        "POST",
        V3,
        Fault::error(
            400,
            "INVALID_MARKETPLACE_IMAGE",
            "Invalid Marketplace Image: Canonical:UbuntuServer:16.04-LTS with version: null",
            Some("compute.launchSpecification.image.marketplace.version"),
        ),
    );
    let err = client(&server)
        .create_group(ApiGeneration::V3, &body("pool"))
        .await
        .unwrap_err();
    let request_id = err.request_id().expect("request id").to_owned();
    assert_eq!(request_id.len(), 36, "a uuid: {request_id}");
    assert_eq!(err.status(), Some(400));
    assert_eq!(
        err.to_string(),
        format!(
            "POST {}/azure/compute/group: 400 Bad Request (request id {request_id}): INVALID_MARKETPLACE_IMAGE: \
             Invalid Marketplace Image: Canonical:UbuntuServer:16.04-LTS with version: null \
             (field: compute.launchSpecification.image.marketplace.version)",
            server.base_url
        )
    );
    assert!(
        !err.to_string().contains("accountId"),
        "no query in messages"
    );
    assert_eq!(
        methods(&server),
        vec![format!("POST {V3}")],
        "4xx: no retry, no list"
    );
    assert!(server.groups().is_empty());
}

#[tokio::test]
async fn create_honours_retry_after_on_429() {
    let server = start();
    server.inject("POST", V3, Fault::too_many_requests(1));
    let started = Instant::now();
    let created = client(&server)
        .create_group(ApiGeneration::V3, &body("pool"))
        .await
        .unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited {:?}",
        started.elapsed()
    );
    assert!(!created.recovered);
    assert_eq!(
        methods(&server),
        vec![format!("POST {V3}"), format!("POST {V3}")],
        "429 is not ambiguous: no list"
    );
    assert_eq!(server.groups().len(), 1);
}

#[tokio::test]
async fn get_retries_on_503_and_gives_up_after_max_attempts() {
    let server = start();
    let c = client(&server);
    let id = group_id(&c, ApiGeneration::V3, &body("pool")).await;
    let path = format!("{V3}/{id}");
    server.inject("GET", &path, Fault::status(503));
    server.inject("GET", &path, Fault::status(503));
    assert_eq!(c.get_group(ApiGeneration::V3, &id).await.unwrap().id, id);
    assert_eq!(server.requests_matching("GET", &path).len(), 3);

    for _ in 0..4 {
        server.inject("GET", &path, Fault::status(503));
    }
    let err = c.get_group(ApiGeneration::V3, &id).await.unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert!(err.to_string().contains("[after 4 attempts]"), "{err}");
    assert_eq!(server.requests_matching("GET", &path).len(), 7);
}

#[tokio::test]
async fn put_and_delete_retry_on_dropped_connections() {
    let server = start();
    let c = client(&server);
    let id = group_id(&c, ApiGeneration::V3, &body("pool")).await;
    let path = format!("{V3}/{id}");
    server.inject("PUT", &path, Fault::drop_connection());
    c.update_group(ApiGeneration::V3, &id, &body("pool"))
        .await
        .unwrap();
    server.inject("DELETE", &path, Fault::status(502));
    c.delete_group(ApiGeneration::V3, &id).await.unwrap();
    assert_eq!(server.requests_matching("PUT", &path).len(), 2);
    assert_eq!(server.requests_matching("DELETE", &path).len(), 2);
    assert!(server.groups().is_empty());
}

/// Every ambiguous create failure ends with exactly one group.
async fn create_once_with(fault: Fault, timeout: Duration) -> (SpotServer, spot_api::CreatedGroup) {
    let server = start();
    server.inject("POST", V3, fault);
    let c = client_for(&server, timeout, fast_policy());
    let created = c
        .create_group(ApiGeneration::V3, &body("pool"))
        .await
        .unwrap();
    assert_eq!(
        server.groups_named("pool").len(),
        1,
        "exactly one group: {:?}",
        methods(&server)
    );
    assert_eq!(server.pending_faults(), 0);
    (server, created)
}

#[tokio::test]
async fn lost_response_after_create_is_recovered_by_name() {
    let (server, created) = create_once_with(Fault::lose_response(), Duration::from_secs(5)).await;
    assert!(created.recovered);
    assert_eq!(created.group.id, server.groups()[0].id());
    assert_eq!(
        methods(&server),
        vec![format!("POST {V3}"), format!("GET {V3}")]
    );
}

#[tokio::test]
async fn server_error_after_create_is_recovered_by_name() {
    let (server, created) =
        create_once_with(Fault::process_then_status(500), Duration::from_secs(5)).await;
    assert!(created.recovered);
    assert_eq!(
        server.requests_matching("POST", V3).len(),
        1,
        "POST not repeated"
    );
}

#[tokio::test]
async fn slow_create_past_the_timeout_is_recovered_by_name() {
    let (server, created) = create_once_with(
        Fault::slow(Duration::from_millis(1500)),
        Duration::from_millis(400),
    )
    .await;
    assert!(created.recovered);
    assert_eq!(server.requests_matching("POST", V3).len(), 1);
}

#[tokio::test]
async fn dropped_connection_before_create_retries_the_post() {
    let (server, created) =
        create_once_with(Fault::drop_connection(), Duration::from_secs(5)).await;
    assert!(!created.recovered);
    assert_eq!(
        methods(&server),
        vec![
            format!("POST {V3}"),
            format!("GET {V3}"),
            format!("POST {V3}")
        ],
        "listed before posting again"
    );
}

#[tokio::test]
async fn server_errors_before_create_retry_the_post_after_listing() {
    let server = start();
    server.inject("POST", V3, Fault::status(500));
    server.inject("POST", V3, Fault::status(503));
    let created = client(&server)
        .create_group(ApiGeneration::V3, &body("pool"))
        .await
        .unwrap();
    assert!(!created.recovered);
    assert_eq!(server.requests_matching("POST", V3).len(), 3);
    assert_eq!(server.requests_matching("GET", V3).len(), 2);
    assert_eq!(server.groups().len(), 1);
}

#[tokio::test]
async fn create_gives_up_after_bounded_attempts() {
    let server = start();
    for _ in 0..3 {
        server.inject("POST", V2, Fault::status(503));
    }
    let policy = RetryPolicy {
        max_attempts: 3,
        ..fast_policy()
    };
    let err = client_for(&server, Duration::from_secs(5), policy)
        .create_group(ApiGeneration::V2, &body("pool"))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert!(err.to_string().contains("[after 3 attempts]"), "{err}");
    assert_eq!(server.requests_matching("POST", V2).len(), 3);
    assert!(server.groups().is_empty());
}

#[tokio::test]
async fn non_json_error_body_is_shown_as_an_excerpt() {
    let server = start();
    server.inject(
        "POST",
        V3,
        Fault::raw(400, "<html><body>Bad gateway thing</body></html>"),
    );
    let err = client(&server)
        .create_group(ApiGeneration::V3, &body("pool"))
        .await
        .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("400 Bad Request") && msg.contains("<html><body>Bad gateway thing"),
        "{msg}"
    );
}

#[tokio::test]
async fn authentication_and_account_errors_are_not_retried() {
    let server = start();
    let bad = SpotClient::new(
        ClientConfig {
            base_url: server.base_url.clone(),
            retry: fast_policy(),
            ..ClientConfig::default()
        },
        Credentials::new("wrong-token", Some(TEST_ACCOUNT.to_owned())),
    )
    .unwrap();
    let err = bad.list_groups(ApiGeneration::V3, None).await.unwrap_err();
    assert_eq!(err.status(), Some(401));
    assert!(
        !format!("{err} {err:?}").contains("wrong-token"),
        "token never shown"
    );

    let no_account = SpotClient::new(
        ClientConfig {
            base_url: server.base_url.clone(),
            retry: fast_policy(),
            ..ClientConfig::default()
        },
        Credentials::new(TEST_TOKEN, None),
    )
    .unwrap();
    let err = no_account
        .list_groups(ApiGeneration::V3, None)
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(400));
    assert_eq!(err.codes(), vec!["ACCOUNT_ID_MISSING"]);
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn server_without_account_requirement_accepts_calls_without_account() {
    let server = SpotServer::start(SpotServerOptions {
        account: None,
        validator: envelope_validator(),
        ..SpotServerOptions::default()
    });
    let c = SpotClient::new(
        ClientConfig {
            base_url: server.base_url.clone(),
            ..ClientConfig::default()
        },
        Credentials::new(TEST_TOKEN, None),
    )
    .unwrap();
    c.list_groups(ApiGeneration::V3, None).await.unwrap();
    assert_eq!(
        server.requests()[0].query_param("accountId").as_deref(),
        None
    );
}

#[test]
fn token_refused_over_non_loopback_http() {
    let err = SpotClient::new(
        ClientConfig {
            base_url: "http://api.spotinst.io".into(),
            ..ClientConfig::default()
        },
        Credentials::new("secret-token", None),
    )
    .unwrap_err();
    assert!(matches!(err, SpotError::InsecureUrl { .. }));
    assert!(err.to_string().contains("http://api.spotinst.io"), "{err}");
    assert!(!err.to_string().contains("secret-token"));
}

#[tokio::test]
async fn invalid_bodies_are_rejected_and_recorded() {
    let server = start();
    let err = client(&server)
        .create_group(ApiGeneration::V3, &json!({"group": {"name": 5}}))
        .await
        .unwrap_err();
    // group.name is not a string: the client refuses it before sending
    assert!(matches!(err, SpotError::InvalidBody(_)), "{err}");
    let server_err = client(&server)
        .update_group(
            ApiGeneration::V3,
            "sig-00000000",
            &json!({"group": {"name": 5}}),
        )
        .await
        .unwrap_err();
    assert!(spot_api::group_doesnt_exist(&server_err));
    let id = group_id(&client(&server), ApiGeneration::V3, &body("ok")).await;
    let err = client(&server)
        .update_group(ApiGeneration::V3, &id, &json!({"group": {"name": 5}}))
        .await
        .unwrap_err();
    assert_eq!(err.codes(), vec!["VALIDATION_ERROR"]);
    let failures = server.take_validation_failures();
    assert_eq!(failures.len(), 1);
    assert!(
        failures[0].reason.contains("group.name"),
        "{:?}",
        failures[0]
    );
}

#[tokio::test]
async fn schema_checking_server_validates_bodies_against_the_create_schema() {
    let server = SpotServer::start_with_schema_check(elastigroup::schema::validate_request);
    let err = client(&server)
        .create_group(
            ApiGeneration::V3,
            &json!({"group": {"name": "x", "capacity": "three"}}),
        )
        .await
        .unwrap_err();
    assert_eq!(err.codes(), vec!["VALIDATION_ERROR"], "{err}");
    let failures = server.take_validation_failures();
    assert_eq!(failures.len(), 1);
    assert!(
        failures[0].reason.contains("v3 create schema"),
        "{}",
        failures[0].reason
    );
    assert!(server.groups().is_empty());
}

/// A server started without a schema check checks no less: it rejects bodies and says how to
/// give it one, while calls without a body still work.
#[tokio::test]
async fn server_without_schema_check_rejects_bodies_saying_how_to_add_one() {
    let server = SpotServer::start_default();
    let c = client(&server);
    c.list_groups(ApiGeneration::V3, None).await.unwrap();
    let err = c
        .create_group(ApiGeneration::V3, &body("pool-a"))
        .await
        .unwrap_err();
    assert_eq!(err.codes(), vec!["VALIDATION_ERROR"], "{err}");
    let failures = server.take_validation_failures();
    assert_eq!(failures.len(), 1);
    assert!(
        failures[0]
            .reason
            .contains("start_with_schema_check(elastigroup::schema::validate_request)"),
        "{}",
        failures[0].reason
    );
    assert!(server.groups().is_empty());
}

/// Only Spot's own `GROUP_DOESNT_EXIST` envelope means a group is gone: a 404 from a wrong path or
/// a proxy, or a `200 {}` that is no Spot envelope, are errors.
#[tokio::test]
async fn delete_success_and_gone_need_a_spot_envelope() {
    let server = start();
    let c = client(&server);
    let id = group_id(&c, ApiGeneration::V3, &body("pool-d")).await;
    let path = format!("{V3}/{id}");

    server.inject("DELETE", &path, Fault::raw(200, "{}"));
    let err = c.delete_group(ApiGeneration::V3, &id).await.unwrap_err();
    assert!(matches!(err, SpotError::Decode { .. }), "{err}");
    assert!(!spot_api::group_doesnt_exist(&err));

    server.inject(
        "DELETE",
        &path,
        Fault::raw(404, "<html>404 Not Found</html>"),
    );
    let err = c.delete_group(ApiGeneration::V3, &id).await.unwrap_err();
    assert!(!spot_api::group_doesnt_exist(&err), "{err}");

    // a base URL with a wrong path: the server's own 404 for an unknown route
    let wrong = SpotClient::new(
        ClientConfig {
            base_url: format!("{}/spot-proxy", server.base_url),
            retry: fast_policy(),
            ..ClientConfig::default()
        },
        Credentials::new(TEST_TOKEN, Some(TEST_ACCOUNT.to_owned())),
    )
    .unwrap();
    let err = wrong
        .delete_group(ApiGeneration::V3, &id)
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(404));
    assert!(!spot_api::group_doesnt_exist(&err), "{err}");
    assert_eq!(server.groups().len(), 1, "still there");

    c.delete_group(ApiGeneration::V3, &id).await.unwrap();
    let err = c.delete_group(ApiGeneration::V3, &id).await.unwrap_err();
    assert!(spot_api::group_doesnt_exist(&err), "{err}");
    assert!(server.groups().is_empty());
}

/// Checks `body` against the request schema of the openapi path file `relative` (under
/// `shared/spec/spot/openapi`): every required property present, each property's type
/// (`array` of `string`, `boolean`, `string`, `integer`), no property the schema does not list
/// but those of `documented_elsewhere` (the schema allows more; each names its source).
fn check_against_openapi_request(
    test: &str,
    relative: &str,
    body: &Value,
    documented_elsewhere: &[&str],
) -> Option<()> {
    let dir = test_fixtures::spot_openapi_dir(test)?;
    let text = std::fs::read_to_string(dir.join(relative)).unwrap();
    let doc: Value = serde_saphyr::from_str(&text).unwrap();
    let schema = doc
        .pointer("/put/requestBody/content/application~1json/schema")
        .unwrap();
    let props = schema["properties"].as_object().unwrap();
    for required in schema["required"].as_array().into_iter().flatten() {
        let key = required.as_str().unwrap();
        assert!(body.get(key).is_some(), "{key} is required: {body}");
    }
    assert_ne!(
        schema.get("additionalProperties"),
        Some(&Value::Bool(false)),
        "the schema allows no other field"
    );
    for (key, value) in body.as_object().unwrap() {
        if documented_elsewhere.contains(&key.as_str()) && !props.contains_key(key) {
            assert!(value.is_boolean(), "{key}: boolean");
            continue;
        }
        let prop = props
            .get(key)
            .unwrap_or_else(|| panic!("{key} is not in the schema"));
        match prop["type"].as_str().unwrap() {
            "array" => {
                let items = value.as_array().unwrap_or_else(|| panic!("{key}: array"));
                let item_type = prop["items"]["type"].as_str().unwrap();
                assert_eq!(item_type, "string");
                assert!(items.iter().all(Value::is_string), "{key}: strings");
            }
            "boolean" => assert!(value.is_boolean(), "{key}: boolean"),
            "string" => assert!(value.is_string(), "{key}: string"),
            "integer" => assert!(value.is_u64() || value.is_i64(), "{key}: integer"),
            other => panic!("{key}: unexpected schema type {other}"),
        }
    }
    Some(())
}

#[test]
fn the_detach_body_matches_the_openapi_request_schema() {
    let body = spot_api::client::detach_vms_body(&["vm-1".to_owned(), "vm-2".to_owned()]);
    assert_eq!(body["shouldTerminateVms"], true);
    assert_eq!(body["shouldDecrementTargetCapacity"], true);
    let _ = check_against_openapi_request(
        "the_detach_body_matches_the_openapi_request_schema",
        "api/services/elastigroup/azure/spotVms/paths/groupVmDetach.yaml",
        &body,
        &[],
    );
}

#[test]
fn the_v2_detach_body_matches_the_openapi_request_schema() {
    let body = spot_api::client::detach_instances_body(&["ec5410ea".to_owned()]);
    assert_eq!(body["instancesToDetach"], json!(["ec5410ea"]));
    assert_eq!(body["shouldDecrementTargetCapacity"], true);
    assert_eq!(body["shouldTerminateInstances"], true);
    // `shouldTerminateInstances`: Spot's v2 SDK (`DetachGroupInput`), not in the openapi list.
    let _ = check_against_openapi_request(
        "the_v2_detach_body_matches_the_openapi_request_schema",
        "api/services/elastigroup/azure/scaleSetVms/paths/group-detach.yaml",
        &body,
        &["shouldTerminateInstances"],
    );
}

#[tokio::test]
async fn v2_detach_removes_the_instances_by_id_and_lowers_the_target() {
    let server = start();
    let c = client(&server);
    let mut v2 = body("roll");
    v2["group"]["compute"] =
        json!({"vmSizes": {"odSizes": ["standard_d2_v2"], "lowPrioritySizes": ["standard_d2_v2"]}});
    let id = group_id(&c, ApiGeneration::V2, &v2).await;
    let before = c.group_vms(ApiGeneration::V2, &id).await.unwrap();
    assert_eq!(before.len(), 2);
    assert!(before.iter().all(|v| v.private_ip.is_some()), "{before:?}");
    let names: Vec<String> = before.iter().map(|v| v.name.clone()).collect();
    c.detach_vms(ApiGeneration::V2, &id, &names[..1])
        .await
        .unwrap();
    let after: Vec<String> = c
        .group_vms(ApiGeneration::V2, &id)
        .await
        .unwrap()
        .into_iter()
        .map(|v| v.name)
        .collect();
    assert_eq!(
        after,
        names[1..].to_vec(),
        "no replacement, no other removed"
    );
    assert_eq!(server.groups()[0].group["capacity"]["target"], 1);
    let sent = server.requests_matching("PUT", &format!("{V2}/{id}/detachInstances"));
    assert_eq!(sent.len(), 1);
    assert_eq!(
        sent[0].json(),
        spot_api::client::detach_instances_body(&names[..1])
    );
    // An unknown instance is refused.
    let err = c
        .detach_vms(ApiGeneration::V2, &id, &["nope".to_owned()])
        .await
        .unwrap_err();
    assert!(format!("{err:?}").contains("nope"), "{err:?}");
}

/// A detach lowers the target each time it is carried out: an answer that may follow its effect
/// (a 5xx, a lost response) is returned, never followed by the same request again; a 429 (not
/// carried out) is tried again.
#[tokio::test]
async fn a_detach_is_never_repeated_after_an_ambiguous_answer() {
    let server = start();
    let c = client(&server);
    let id = group_id(&c, ApiGeneration::V3, &body("roll")).await;
    let names = vm_names(&c, ApiGeneration::V3, &id).await;
    assert_eq!(names.len(), 2);
    let path = format!("{V3}/{id}/detachVms");
    server.inject("PUT", &path, Fault::process_then_status(500));
    assert!(
        c.detach_vms(ApiGeneration::V3, &id, &names[..1])
            .await
            .is_err()
    );
    assert_eq!(server.requests_matching("PUT", &path).len(), 1, "sent once");
    assert_eq!(server.groups()[0].group["capacity"]["target"], 1);

    server.inject("PUT", &path, Fault::lose_response());
    assert!(
        c.detach_vms(ApiGeneration::V3, &id, &names[1..])
            .await
            .is_err()
    );
    assert_eq!(server.requests_matching("PUT", &path).len(), 2, "sent once");
    assert_eq!(server.groups()[0].group["capacity"]["target"], 0);

    // Not carried out: tried again.
    let other = group_id(&c, ApiGeneration::V3, &body("other")).await;
    let vm = vm_names(&c, ApiGeneration::V3, &other).await.remove(0);
    let path = format!("{V3}/{other}/detachVms");
    server.inject("PUT", &path, Fault::too_many_requests(0));
    c.detach_vms(ApiGeneration::V3, &other, &[vm])
        .await
        .unwrap();
    assert_eq!(server.requests_matching("PUT", &path).len(), 2);
    assert_eq!(server.groups()[1].group["capacity"]["target"], 1);
}

#[tokio::test]
async fn detach_removes_the_named_vms_and_lowers_the_target() {
    let server = start();
    let c = client(&server);
    let id = group_id(&c, ApiGeneration::V3, &body("roll")).await;
    // Spot starts VMs up to the target.
    let before = vm_names(&c, ApiGeneration::V3, &id).await;
    assert_eq!(before.len(), 2);
    assert_eq!(server.running_vm_names(&id), before);
    // Raising the target starts a new VM; the old ones stay.
    let mut raised = body("roll");
    raised["group"]["capacity"]["target"] = json!(3);
    c.update_group(ApiGeneration::V3, &id, &raised)
        .await
        .unwrap();
    let during = vm_names(&c, ApiGeneration::V3, &id).await;
    assert_eq!(during.len(), 3);
    assert_eq!(&during[..2], &before[..]);

    c.detach_vms(ApiGeneration::V3, &id, &before[..1])
        .await
        .unwrap();
    let after = vm_names(&c, ApiGeneration::V3, &id).await;
    assert_eq!(
        after,
        during[1..].to_vec(),
        "no replacement, no other VM removed"
    );
    assert_eq!(server.groups()[0].group["capacity"]["target"], 2);
    let sent = server.requests_matching("PUT", &format!("{V3}/{id}/detachVms"));
    assert_eq!(sent.len(), 1);
    assert_eq!(
        sent[0].json(),
        spot_api::client::detach_vms_body(&before[..1])
    );

    // An unknown VM is refused.
    let err = c
        .detach_vms(ApiGeneration::V3, &id, &["vm-nope".to_owned()])
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("vm-nope") || format!("{err:?}").contains("VM_DOESNT_EXIST"),
        "{err:?}"
    );
}
