//! One home per output directory (issue 18, H1 and H4): the resource group the import used is
//! recorded, and every later command uses it; a `-r` or `AZURE_RESOURCE_GROUP` naming another is
//! refused, and a recorded group that is not this cluster's is neither updated nor deleted.

use serde_json::{Value, json};
use test_support::arm_server::{ArmServer, ArmServerConfig};
use test_support::kube_server::{KubeServer, KubeServerConfig};
use test_support::spot_server::SpotServer;

use crate::common::{SUBSCRIPTION, spot_server};
use crate::cutover_world::{LOCATION, SRC0, SRC1, VMSS, run, spot_vm, text};
use crate::import_create::{Run, Workdir, spot_cmd};

/// The example's DNS prefix: the resource group a command would derive without the record.
const DNS_PREFIX_RG: &str = "spotdemo";
const HOME: &str = "spotaks";

fn import_into(server: &SpotServer, work: &Workdir, rg: &str, extra: &[&str]) -> Run {
    let mut cmd = spot_cmd(server);
    cmd.args(["import", "-s", SUBSCRIPTION, "-r", rg, "-o"])
        .arg(&work.dir)
        .args(extra);
    crate::import_create::run(cmd)
}

fn command(server: &SpotServer, work: &Workdir, args: &[&str]) -> assert_cmd::Command {
    let mut cmd = spot_cmd(server);
    cmd.args([args[0], "-o"]).arg(&work.dir).args(&args[1..]);
    cmd
}

fn refused_naming_both(r: &Run, given: &str, source: &str) {
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    for needle in [
        format!("{given:?} ({source})"),
        format!("{HOME:?} (recorded for pool `agentpool1`"),
        "nothing was done".to_owned(),
    ] {
        assert!(
            r.stderr.contains(&needle),
            "{needle} missing in {}",
            r.stderr
        );
    }
}

#[test]
fn the_import_records_its_resource_group_and_status_and_delete_follow_it() {
    let server = spot_server();
    let work = Workdir::example();
    let r = import_into(&server, &work, HOME, &[]);
    assert!(r.ok, "{}", r.stderr);
    let record = &work.records()[0];
    assert_eq!(record["resourceGroup"], HOME);
    assert_eq!(record["subscriptionId"], SUBSCRIPTION);
    let id = server.groups()[0].id().to_owned();

    // status: without -r it runs (the example's kubeconfig reaches no cluster: exit 3, "could
    // not check"); another resource group from -r or the variable is refused (exit 1)
    let ok = crate::import_create::run(command(&server, &work, &["status"]));
    assert_eq!(ok.code, Some(3), "{}", ok.stderr);
    assert!(!ok.stderr.contains("nothing was done"), "{}", ok.stderr);
    let r = crate::import_create::run(command(&server, &work, &["status", "-r", "other"]));
    refused_naming_both(&r, "other", "from -r/--resource-group");
    let mut env = command(&server, &work, &["status"]);
    env.env("AZURE_RESOURCE_GROUP", "other");
    refused_naming_both(
        &crate::import_create::run(env),
        "other",
        "from $AZURE_RESOURCE_GROUP",
    );

    // delete: refused with another resource group, nothing deleted
    let r = crate::import_create::run(command(&server, &work, &["delete", "--yes", "-r", "other"]));
    refused_naming_both(&r, "other", "from -r/--resource-group");
    assert!(server.requests_matching("DELETE", "/").is_empty());
    assert_eq!(work.records().len(), 1);

    // the same one, written another way: deleted (its owner checked first)
    let r = crate::import_create::run(command(
        &server,
        &work,
        &["delete", "--yes", "-r", "SpotAKS"],
    ));
    assert!(r.ok, "{}", r.stderr);
    assert!(r.stdout.contains(&format!("{id} deleted")), "{}", r.stdout);
    assert!(server.groups().is_empty());
}

/// H4: `import --update` without the original `-r` updates the group in its own resource
/// group (never rewriting it to the DNS prefix's); with another `-r` it is refused.
#[test]
fn update_without_r_keeps_the_recorded_resource_group() {
    let server = spot_server();
    let work = Workdir::example();
    assert!(import_into(&server, &work, HOME, &[]).ok);

    // A change to send (an update sends only what differs), without -r.
    let mut update = spot_cmd(&server);
    update
        .args(["import", "--update", "--yes", "--set", "capacity.maximum=7"])
        .args(["-s", SUBSCRIPTION, "-o"])
        .arg(&work.dir);
    let r = crate::import_create::run(update);
    assert!(r.ok, "{}", r.stderr);
    let puts = server.requests_matching("PUT", "/azure/compute/group/");
    assert_eq!(puts.len(), 1);
    let body = puts[0].json();
    assert_eq!(body["group"]["resourceGroupName"], HOME);
    let mut rgs = Vec::new();
    crate::common::strings(&body, String::new(), &mut rgs);
    let sent: Vec<&(String, String)> = rgs
        .iter()
        .filter(|(at, _)| at.ends_with("/resourceGroupName"))
        .collect();
    assert!(sent.len() >= 3, "group, network, load balancer: {sent:?}");
    assert!(
        sent.iter().all(|(_, rg)| rg == HOME),
        "every resource group sent is the recorded one: {sent:?}"
    );
    assert_eq!(server.groups()[0].group["resourceGroupName"], HOME);

    let r = import_into(&server, &work, "other", &["--update"]);
    refused_naming_both(&r, "other", "from -r/--resource-group");
    assert_eq!(
        server.requests_matching("PUT", "/").len(),
        1,
        "no second PUT"
    );
}

/// `sync` resolves its home as `import --update` does: without `-r` the recorded resource
/// group (the group is found up to date), with another `-r` or `AZURE_RESOURCE_GROUP` refused.
#[test]
fn sync_follows_the_recorded_resource_group() {
    let server = spot_server();
    let work = Workdir::example();
    assert!(import_into(&server, &work, HOME, &[]).ok);
    // The templates are the model's: nothing to generate.
    let t = std::fs::File::options()
        .write(true)
        .open(work.dir.join("azuredeploy.json"))
        .unwrap();
    t.set_modified(std::time::SystemTime::now() + std::time::Duration::from_secs(5))
        .unwrap();
    let id = server.groups()[0].id().to_owned();

    let r = crate::import_create::run(command(
        &server,
        &work,
        &["sync", "--dry-run", "-s", SUBSCRIPTION],
    ));
    assert!(r.ok, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        format!("agent pool `agentpool1`: Spot Elastigroup {id} is up to date\n")
    );
    let r = crate::import_create::run(command(
        &server,
        &work,
        &["sync", "--yes", "-s", SUBSCRIPTION, "-r", "other"],
    ));
    refused_naming_both(&r, "other", "from -r/--resource-group");
    let mut env = command(&server, &work, &["sync", "--yes", "-s", SUBSCRIPTION]);
    env.env("AZURE_RESOURCE_GROUP", "other");
    refused_naming_both(
        &crate::import_create::run(env),
        "other",
        "from $AZURE_RESOURCE_GROUP",
    );
    assert!(server.requests_matching("PUT", "/").is_empty());
}

/// H4: a state file that is a symlink to another cluster's: update and delete refuse the
/// recorded group, naming the scale sets that differ.
#[cfg(unix)]
#[test]
fn a_state_file_of_another_cluster_is_refused_for_update_and_delete() {
    let server = spot_server();
    let theirs = Workdir::example();
    assert!(import_into(&server, &theirs, HOME, &[]).ok);
    let group = server.groups()[0].group.clone();

    // another cluster (another name suffix), in the same resource group and region
    let ours = Workdir::example();
    let template = ours.dir.join("azuredeploy.json");
    let text = std::fs::read_to_string(&template).unwrap();
    std::fs::write(&template, text.replace("31415926", "27182818")).unwrap();
    std::os::unix::fs::symlink(theirs.state_file(), ours.state_file()).unwrap();

    let r = import_into(&server, &ours, HOME, &["--update"]);
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    for needle in [
        "is not this cluster's",
        "k8s-agentpool1-31415926-vmss",
        "k8s-agentpool1-27182818-vmss",
    ] {
        assert!(
            r.stderr.contains(needle),
            "{needle} missing in {}",
            r.stderr
        );
    }
    let r = crate::import_create::run(command(&server, &ours, &["delete", "--yes"]));
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert!(r.stderr.contains("is not this cluster's"), "{}", r.stderr);
    assert!(server.requests_matching("PUT", "/").is_empty());
    assert!(server.requests_matching("DELETE", "/").is_empty());
    assert_eq!(server.groups()[0].group, group, "their group untouched");
    assert_eq!(theirs.records().len(), 1, "their record kept");
}

/// A state file written before the resource group was recorded: the live group says it.
#[test]
fn an_older_state_file_gets_its_resource_group_from_the_live_group() {
    let server = spot_server();
    let work = Workdir::example();
    assert!(import_into(&server, &work, HOME, &[]).ok);
    let path = work.state_file();
    let mut doc: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let record = doc["groups"][0].as_object_mut().unwrap();
    record.remove("resourceGroup");
    record.remove("subscriptionId");
    std::fs::write(&path, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    let id = server.groups()[0].id().to_owned();

    let r = import_into(&server, &work, "other", &["--update"]);
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert!(
        r.stderr.contains(&format!(
            "{HOME:?} (the resource group of pool `agentpool1`'s Spot group {id})"
        )),
        "{}",
        r.stderr
    );
    assert!(server.requests_matching("PUT", "/").is_empty());

    let mut update = spot_cmd(&server);
    update
        .args(["import", "--update", "--yes", "--set", "capacity.maximum=7"])
        .args(["-s", SUBSCRIPTION, "-o"])
        .arg(&work.dir);
    let r = crate::import_create::run(update);
    assert!(r.ok, "{}", r.stderr);
    assert_eq!(
        work.records()[0]["resourceGroup"],
        HOME,
        "the update records what it checked"
    );
}

/// H1: after `import -r spotaks`, `cutover` without `-r` cuts over the scale set in spotaks,
/// never the same-named one in the DNS prefix's resource group; with `-r other` it is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cutover_without_r_uses_the_recorded_resource_group() {
    let spot = spot_server();
    let work = Workdir::example();
    let arm = ArmServer::start(ArmServerConfig {
        in_progress_polls: 1,
        retry_after_secs: Some(0),
        ..ArmServerConfig::default()
    })
    .await;
    let sub = arm.config().subscription_id.clone();
    let mut import = spot_cmd(&spot);
    import
        .args(["import", "-s", &sub, "-r", HOME, "-o"])
        .arg(&work.dir)
        .args(["--set", "capacity.maximum=3", "--set", "capacity.target=1"]);
    let r = crate::import_create::run(import);
    assert!(r.ok, "{}", r.stderr);
    let group_id = spot.groups()[0].id().to_owned();
    spot.set_group_vms(
        &group_id,
        vec![
            json!({"vmName": spot_vm(0), "vmSize": "standard_d2_v2", "lifeCycle": "spot",
            "privateIp": "10.240.0.10", "powerState": "running",
            "createdAt": "2026-01-01T00:00:00.000Z"}),
        ],
    );
    // Both carry aks-engine's tags: only the resource group tells them apart.
    arm.add_agent_pool_scale_set(HOME, VMSS, LOCATION, 2, "agentpool1", "31415926");
    arm.add_agent_pool_scale_set(DNS_PREFIX_RG, VMSS, LOCATION, 5, "agentpool1", "31415926");

    let kube = KubeServer::start(KubeServerConfig::default()).await;
    std::fs::write(
        work.dir
            .join(format!("kubeconfig/kubeconfig.{LOCATION}.json")),
        kube.kubeconfig_json(),
    )
    .unwrap();
    let vmss_id = |n: u32| {
        format!(
            "azure:///subscriptions/{sub}/resourceGroups/{HOME}/providers/Microsoft.Compute/virtualMachineScaleSets/{VMSS}/virtualMachines/{n}"
        )
    };
    kube.add_node(SRC0, Some(&vmss_id(0)), true);
    kube.add_node(SRC1, Some(&vmss_id(1)), true);
    kube.add_node(
        &spot_vm(0),
        Some(&format!(
            "azure:///subscriptions/{sub}/resourceGroups/{HOME}/providers/Microsoft.Compute/virtualMachines/{}",
            spot_vm(0)
        )),
        true,
    );
    let cutover = |extra: &[&str]| {
        let c = arm.config();
        let mut cmd = spot_cmd(&spot);
        cmd.env("AZURE_CLIENT_ID", &c.client_id)
            .env("AZURE_CLIENT_SECRET", &c.client_secret)
            .env("AZURE_RESOURCE_MANAGER_URL", arm.url())
            .env("AZURE_AUTHORITY_HOST", arm.url())
            .args(["cutover", "--poll-interval", "50ms", "-o"])
            .arg(&work.dir)
            .args(extra);
        cmd
    };

    // another resource group, from the flag or the variable: refused before anything changes
    let out = run(cutover(&["--yes", "-r", "other"])).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("\"other\" (from -r/--resource-group)") && stderr.contains("\"spotaks\""),
        "{stderr}"
    );
    let mut env = cutover(&["--yes"]);
    env.env("AZURE_RESOURCE_GROUP", DNS_PREFIX_RG);
    let out = run(env).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("\"spotdemo\" (from $AZURE_RESOURCE_GROUP)"),
        "{stderr}"
    );
    assert!(
        arm.requests()
            .iter()
            .all(|r| r.method == "GET" || r.method == "POST")
    );
    assert!(kube.requests().iter().all(|r| r.method == "GET"));

    // without -r (and without -s: both recorded): the scale set in spotaks
    let out = run(cutover(&["--yes"])).await;
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        text(&out.stdout).contains(&format!("scaled to 0: {HOME}/{VMSS}")),
        "{}",
        text(&out.stdout)
    );
    let capacity = |rg: &str| arm.scale_set(rg, VMSS).unwrap()["sku"]["capacity"].as_i64();
    assert_eq!(capacity(HOME), Some(0));
    assert_eq!(
        capacity(DNS_PREFIX_RG),
        Some(5),
        "the other cluster's scale set untouched"
    );
}

/// The dry run follows the recorded resource group too (from the state file, without asking
/// Spot), and refuses another one.
#[test]
fn the_dry_run_shows_the_recorded_resource_group() {
    let server = spot_server();
    let work = Workdir::example();
    assert!(import_into(&server, &work, HOME, &[]).ok);
    let dry_run = |extra: &[&str]| {
        let mut cmd = crate::common::bin();
        cmd.args(["import", "--dry-run", "-o"])
            .arg(&work.dir)
            .args(extra);
        crate::import_create::run(cmd)
    };
    let r = dry_run(&[]);
    assert!(r.ok, "{}", r.stderr);
    let body: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(body["group"]["resourceGroupName"], HOME);
    let r = dry_run(&["-r", "other"]);
    refused_naming_both(&r, "other", "from -r/--resource-group");
}
