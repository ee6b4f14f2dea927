//! One live v3 group (Spot's JSON) → one `resource "spotinst_elastigroup_azure_v3"` block.
//!
//! Argument names and shapes follow the provider's code (see `docs/terraform.md`); values are
//! copied as Spot returned them (case, order). Secrets become `var.<name>` references.

use hcl::expr::Expression;
use hcl::{Block, Structure};
use serde_json::Value;

use crate::error::GroupError;
use crate::expr::{number, string, string_map, strings, var};
use crate::names::Names;
use crate::secret::{Secret, SecretValue};
use crate::seen::{Node, Seen, unread};

/// The resource type the export writes.
pub const RESOURCE_TYPE: &str = "spotinst_elastigroup_azure_v3";

/// Top-level fields that are not configuration.
const READ_ONLY: [&str; 3] = ["id", "createdAt", "updatedAt"];

/// A group mapped to its resource block.
#[derive(Debug)]
pub(crate) struct Mapped {
    pub(crate) block: Block,
    pub(crate) secrets: Vec<Secret>,
    /// Arguments the provider requires that Spot did not return, written with the provider's
    /// documented default.
    pub(crate) defaulted: Vec<String>,
    /// Fields of the group the resource cannot hold (or the export does not map), as paths.
    pub(crate) left_out: Vec<String>,
}

/// The structures of one block body, in order.
#[derive(Default)]
struct Out(Vec<Structure>);

impl Out {
    fn attr(&mut self, key: &str, value: Option<Expression>) {
        if let Some(v) = value {
            self.0
                .push(Structure::Attribute(hcl::Attribute::new(key, v)));
        }
    }

    fn block(&mut self, block: Option<Block>) {
        if let Some(b) = block {
            self.0.push(Structure::Block(b));
        }
    }

    /// The block, or `None` when nothing was written into it.
    fn into_block(self, ident: &str) -> Option<Block> {
        (!self.0.is_empty()).then(|| Block::builder(ident).add_structures(self.0).build())
    }
}

fn s(n: &Node<'_>) -> Option<Expression> {
    n.str().map(string)
}
fn b(n: &Node<'_>) -> Option<Expression> {
    n.bool().map(Expression::Bool)
}
fn num(n: &Node<'_>) -> Option<Expression> {
    n.number().map(number)
}
fn list(n: &Node<'_>) -> Option<Expression> {
    n.strings().map(|l| strings(&l))
}

/// Maps the state's pool `label` (already a unique identifier) and its live group.
pub(crate) fn map_group(
    label: &str,
    group: &Value,
    names: &mut Names,
) -> Result<Mapped, GroupError> {
    if !group.is_object() {
        return Err(GroupError::NotAnObject);
    }
    let seen = Seen::default();
    let root = Node::root(group, &seen);
    let mut ctx = Ctx {
        label,
        names,
        secrets: Vec::new(),
        defaulted: Vec::new(),
        left_out: Vec::new(),
    };
    let compute = root.get("compute");
    let spec = compute.get("launchSpecification");
    let strategy = root.get("strategy");
    let capacity = root.get("capacity");

    let mut out = Out::default();
    for (key, node) in [
        ("name", root.get("name")),
        ("region", root.get("region")),
        ("resource_group_name", root.get("resourceGroupName")),
        ("os", compute.get("os")),
    ] {
        let value = node.str().ok_or_else(|| GroupError::MissingField {
            field: node.path().to_owned(),
        })?;
        out.attr(key, Some(string(value)));
    }
    out.attr("description", s(&root.get("description")));
    out.attr("min_size", num(&capacity.get("minimum")));
    out.attr("max_size", num(&capacity.get("maximum")));
    out.attr("desired_capacity", num(&capacity.get("target")));
    ctx.strategy(&mut out, &strategy);
    out.attr("zones", list(&compute.get("zones")));
    out.attr("preferred_zones", list(&compute.get("preferredZones")));
    out.attr("vm_name_prefix", s(&spec.get("vmNamePrefix")));
    for (key, field, what) in [
        ("custom_data", "customData", "custom_data"),
        ("user_data", "userData", "user_data"),
        ("shutdown_script", "shutdownScript", "shutdown_script"),
    ] {
        let node = spec.get(field);
        let value = node
            .str()
            .map(|v| ctx.secret(what, &node, SecretValue::Text(v.into())));
        out.attr(key, value);
    }
    out.block(ctx.vm_sizes(&compute.get("vmSizes")));
    out.block(image(&spec.get("image")));
    out.block(ctx.network(&spec.get("network")));
    out.block(ctx.login(&spec.get("login")));
    for lb in spec.get("loadBalancersConfig").get("loadBalancers").items() {
        let mut o = Out::default();
        o.attr("type", s(&lb.get("type")));
        o.attr("resource_group_name", s(&lb.get("resourceGroupName")));
        o.attr("name", s(&lb.get("name")));
        o.attr("sku", s(&lb.get("sku")));
        o.attr("backend_pool_names", list(&lb.get("backendPoolNames")));
        out.block(o.into_block("load_balancer"));
    }
    for msi in spec.get("managedServiceIdentities").items() {
        out.block(name_and_group("managed_service_identity", &msi));
    }
    for tag in spec.get("tags").items() {
        let mut o = Out::default();
        o.attr("key", s(&tag.get("tagKey")));
        o.attr("value", s(&tag.get("tagValue")));
        out.block(o.into_block("tags"));
    }
    let os_disk = spec.get("osDisk");
    let mut o = Out::default();
    o.attr("type", s(&os_disk.get("type")));
    o.attr("size_gb", num(&os_disk.get("sizeGB")));
    out.block(o.into_block("os_disk"));
    for disk in spec.get("dataDisks").items() {
        let mut o = Out::default();
        o.attr("size_gb", num(&disk.get("sizeGB")));
        o.attr("lun", num(&disk.get("lun")));
        o.attr("type", s(&disk.get("type")));
        out.block(o.into_block("data_disk"));
    }
    let boot = spec.get("bootDiagnostics");
    let mut o = Out::default();
    o.attr("is_enabled", b(&boot.get("isEnabled")));
    o.attr("type", s(&boot.get("type")));
    o.attr("storage_url", s(&boot.get("storageUri")));
    out.block(o.into_block("boot_diagnostics"));
    let security = spec.get("security");
    let mut o = Out::default();
    o.attr("security_type", s(&security.get("securityType")));
    o.attr("secure_boot_enabled", b(&security.get("secureBootEnabled")));
    o.attr("vtpm_enabled", b(&security.get("vTpmEnabled")));
    o.attr(
        "confidential_os_disk_encryption",
        b(&security.get("confidentialOsDiskEncryption")),
    );
    o.attr("encryption_at_host", b(&security.get("encryptionAtHost")));
    out.block(o.into_block("security"));
    for ppg in spec.get("proximityPlacementGroups").items() {
        out.block(name_and_group("proximity_placement_groups", &ppg));
    }
    for secret in spec.get("secrets").items() {
        let mut o = Out::default();
        o.block(name_and_group("source_vault", &secret.get("sourceVault")));
        for cert in secret.get("vaultCertificates").items() {
            let mut c = Out::default();
            c.attr("certificate_url", s(&cert.get("certificateUrl")));
            c.attr("certificate_store", s(&cert.get("certificateStore")));
            o.block(c.into_block("vault_certificates"));
        }
        out.block(o.into_block("secret"));
    }
    for ext in spec.get("extensions").items() {
        let block = ctx.extension(&ext);
        out.block(block);
    }
    let health = root.get("health");
    let mut o = Out::default();
    o.attr("health_check_types", list(&health.get("healthCheckTypes")));
    o.attr("grace_period", num(&health.get("gracePeriod")));
    o.attr("unhealthy_duration", num(&health.get("unhealthyDuration")));
    o.attr("auto_healing", b(&health.get("autoHealing")));
    out.block(o.into_block("health"));
    for task in root.get("scheduling").get("tasks").items() {
        out.block(scheduling_task(&task));
    }
    for (ident, field) in [("scaling_up_policy", "up"), ("scaling_down_policy", "down")] {
        for policy in root.get("scaling").get(field).items() {
            out.block(scaling_policy(ident, &policy));
        }
    }

    let mut left_out = ctx.left_out;
    left_out.extend(unread(group, &seen, &READ_ONLY));
    Ok(Mapped {
        block: Block::builder("resource")
            .add_label(RESOURCE_TYPE)
            .add_label(label)
            .add_structures(out.0)
            .build(),
        secrets: ctx.secrets,
        defaulted: ctx.defaulted,
        left_out,
    })
}

/// `{ name, resource_group_name }` blocks (identities, vaults, placement groups, ASGs).
fn name_and_group(ident: &str, n: &Node<'_>) -> Option<Block> {
    let mut o = Out::default();
    o.attr("name", s(&n.get("name")));
    o.attr("resource_group_name", s(&n.get("resourceGroupName")));
    o.into_block(ident)
}

fn image(image: &Node<'_>) -> Option<Block> {
    let mut out = Out::default();
    let m = image.get("marketplace");
    let mut o = Out::default();
    for key in ["publisher", "offer", "sku", "version"] {
        o.attr(key, s(&m.get(key)));
    }
    out.block(o.into_block("marketplace"));
    let c = image.get("custom");
    let mut o = Out::default();
    o.attr("image_name", s(&c.get("name")));
    o.attr("resource_group_name", s(&c.get("resourceGroupName")));
    out.block(o.into_block("custom"));
    let g = image.get("gallery");
    let mut o = Out::default();
    o.attr("gallery_name", s(&g.get("galleryName")));
    o.attr("image_name", s(&g.get("imageName")));
    o.attr("resource_group_name", s(&g.get("resourceGroupName")));
    o.attr("version", s(&g.get("version")));
    o.attr("spot_account_id", s(&g.get("spotAccountId")));
    out.block(o.into_block("gallery_image"));
    out.into_block("image")
}

/// Scheduling tasks: the provider takes every number as a string.
fn scheduling_task(task: &Node<'_>) -> Option<Block> {
    let mut o = Out::default();
    // Spot's schema types isEnabled as a string; accept a boolean too.
    let enabled = task.get("isEnabled");
    o.attr(
        "is_enabled",
        enabled.bool().map(Expression::Bool).or_else(|| s(&enabled)),
    );
    o.attr("type", s(&task.get("type")));
    o.attr("cron_expression", s(&task.get("cronExpression")));
    for (key, field) in [
        ("scale_max_capacity", "scaleMaxCapacity"),
        ("scale_min_capacity", "scaleMinCapacity"),
        ("scale_target_capacity", "scaleTargetCapacity"),
        ("adjustment", "adjustment"),
        ("adjustment_percentage", "adjustmentPercentage"),
        ("batch_size_percentage", "batchSizePercentage"),
        ("grace_period", "gracePeriod"),
    ] {
        let n = task.get(field);
        let value = n.number().map(|v| string(&v.to_string())).or_else(|| s(&n));
        o.attr(key, value);
    }
    o.into_block("scheduling_task")
}

/// A scaling policy; the provider takes the action's numbers as strings.
fn scaling_policy(ident: &str, policy: &Node<'_>) -> Option<Block> {
    let mut o = Out::default();
    for (key, field) in [
        ("policy_name", "policyName"),
        ("metric_name", "metricName"),
        ("namespace", "namespace"),
        ("source", "source"),
        ("statistic", "statistic"),
        ("unit", "unit"),
        ("operator", "operator"),
    ] {
        o.attr(key, s(&policy.get(field)));
    }
    for (key, field) in [
        ("threshold", "threshold"),
        ("period", "period"),
        ("evaluation_periods", "evaluationPeriods"),
        ("cooldown", "cooldown"),
    ] {
        o.attr(key, num(&policy.get(field)));
    }
    o.attr("is_enabled", b(&policy.get("isEnabled")));
    for dimension in policy.get("dimensions").items() {
        let mut d = Out::default();
        d.attr("name", s(&dimension.get("name")));
        d.attr("value", s(&dimension.get("value")));
        o.block(d.into_block("dimensions"));
    }
    let action = policy.get("action");
    let mut a = Out::default();
    a.attr("type", s(&action.get("type")));
    for key in ["adjustment", "minimum", "maximum", "target"] {
        let n = action.get(key);
        let value = n.number().map(|v| string(&v.to_string())).or_else(|| s(&n));
        a.attr(key, value);
    }
    o.block(a.into_block("action"));
    o.into_block(ident)
}

struct Ctx<'n> {
    label: &'n str,
    names: &'n mut Names,
    secrets: Vec<Secret>,
    defaulted: Vec<String>,
    left_out: Vec<String>,
}

impl Ctx<'_> {
    /// Records a secret read at `node` and returns the `var.` reference that replaces it.
    fn secret(&mut self, what: &str, node: &Node<'_>, value: SecretValue) -> Expression {
        let variable = self.names.unique(&format!("{}_{what}", self.label));
        let reference = var(&variable);
        self.secrets.push(Secret {
            variable,
            source: node.path().to_owned(),
            value,
        });
        reference
    }

    /// A required argument Spot did not return: written with the provider's default.
    fn required(
        &mut self,
        value: Option<Expression>,
        path: &str,
        default: Expression,
    ) -> Expression {
        value.unwrap_or_else(|| {
            self.defaulted.push(path.to_owned());
            default
        })
    }

    fn strategy(&mut self, out: &mut Out, strategy: &Node<'_>) {
        let spot = strategy.get("spotPercentage");
        let od = strategy.get("onDemandCount");
        // The two arguments conflict in the provider: when Spot returns both, the percentage wins
        // and the count is listed as left out.
        if spot.exists() {
            out.attr("spot_percentage", num(&spot));
        } else {
            out.attr("on_demand_count", num(&od));
        }
        let fallback = b(&strategy.get("fallbackToOd"));
        let fallback = self.required(fallback, "strategy.fallbackToOd", Expression::Bool(true));
        out.attr("fallback_to_on_demand", Some(fallback));
        out.attr("draining_timeout", num(&strategy.get("drainingTimeout")));
        out.attr(
            "availability_vs_cost",
            num(&strategy.get("availabilityVsCost")),
        );
        out.attr(
            "optimization_windows",
            list(&strategy.get("optimizationWindows")),
        );
        let mut o = Out::default();
        o.attr(
            "perform_at",
            s(&strategy.get("revertToSpot").get("performAt")),
        );
        out.block(o.into_block("revert_to_spot"));
        for signal in strategy.get("signals").items() {
            let mut o = Out::default();
            o.attr("type", s(&signal.get("type")));
            o.attr("timeout", num(&signal.get("timeout")));
            out.block(o.into_block("signal"));
        }
        let crs = strategy.get("capacityReservation");
        let mut o = Out::default();
        o.attr("should_utilize", b(&crs.get("shouldUtilize")));
        o.attr("utilization_strategy", s(&crs.get("utilizationStrategy")));
        for crg in crs.get("capacityReservationGroups").items() {
            let mut c = Out::default();
            c.attr("crg_name", s(&crg.get("name")));
            c.attr("crg_resource_group_name", s(&crg.get("resourceGroupName")));
            c.attr("crg_should_prioritize", b(&crg.get("shouldPrioritize")));
            o.block(c.into_block("capacity_reservation_groups"));
        }
        out.block(o.into_block("capacity_reservation"));
    }

    fn vm_sizes(&mut self, sizes: &Node<'_>) -> Option<Block> {
        let mut o = Out::default();
        let od = list(&sizes.get("odSizes"));
        let od = self.required(od, "compute.vmSizes.odSizes", Expression::Array(Vec::new()));
        o.attr("od_sizes", Some(od));
        o.attr("spot_sizes", list(&sizes.get("spotSizes")));
        o.attr(
            "preferred_spot_sizes",
            list(&sizes.get("preferredSpotSizes")),
        );
        o.attr("excluded_vm_sizes", list(&sizes.get("excludedVmSizes")));
        let attrs = sizes.get("spotSizeAttributes");
        let mut a = Out::default();
        for (key, field) in [
            ("max_cpu", "maxCpu"),
            ("min_cpu", "minCpu"),
            ("max_memory", "maxMemory"),
            ("min_memory", "minMemory"),
            ("max_storage", "maxStorage"),
            ("min_storage", "minStorage"),
        ] {
            a.attr(key, num(&attrs.get(field)));
        }
        o.block(a.into_block("spot_size_attributes"));
        o.into_block("vm_sizes")
    }

    fn network(&mut self, network: &Node<'_>) -> Option<Block> {
        if !network.exists() {
            return None;
        }
        let mut o = Out::default();
        o.attr(
            "virtual_network_name",
            s(&network.get("virtualNetworkName")),
        );
        o.attr("resource_group_name", s(&network.get("resourceGroupName")));
        for nic in network.get("networkInterfaces").items() {
            let mut n = Out::default();
            n.attr("subnet_name", s(&nic.get("subnetName")));
            n.attr("is_primary", b(&nic.get("isPrimary")));
            let public = b(&nic.get("assignPublicIp"));
            let path = format!("{}.assignPublicIp", nic.path());
            let public = self.required(public, &path, Expression::Bool(false));
            n.attr("assign_public_ip", Some(public));
            n.attr("public_ip_sku", s(&nic.get("publicIpSku")));
            n.attr("enable_ip_forwarding", b(&nic.get("enableIPForwarding")));
            n.attr("private_ip_addresses", list(&nic.get("privateIpAddresses")));
            n.block(name_and_group("security_group", &nic.get("securityGroup")));
            for ip in nic.get("additionalIpConfigurations").items() {
                let mut c = Out::default();
                c.attr("name", s(&ip.get("name")));
                c.attr("private_ip_version", s(&ip.get("privateIpAddressVersion")));
                n.block(c.into_block("additional_ip_configs"));
            }
            for asg in nic.get("applicationSecurityGroups").items() {
                n.block(name_and_group("application_security_group", &asg));
            }
            o.block(n.into_block("network_interfaces"));
        }
        o.into_block("network")
    }

    fn login(&mut self, login: &Node<'_>) -> Option<Block> {
        let mut o = Out::default();
        o.attr("user_name", s(&login.get("userName")));
        o.attr("ssh_public_key", s(&login.get("sshPublicKey")));
        let password = login.get("password");
        let value = password
            .str()
            .map(|p| self.secret("password", &password, SecretValue::Text(p.into())));
        o.attr("password", value);
        o.into_block("login")
    }

    fn extension(&mut self, ext: &Node<'_>) -> Option<Block> {
        let mut o = Out::default();
        o.attr("name", s(&ext.get("name")));
        o.attr("type", s(&ext.get("type")));
        o.attr("publisher", s(&ext.get("publisher")));
        o.attr("api_version", s(&ext.get("apiVersion")));
        o.attr(
            "minor_version_auto_upgrade",
            b(&ext.get("minorVersionAutoUpgrade")),
        );
        o.attr(
            "enable_automatic_upgrade",
            b(&ext.get("enableAutomaticUpgrade")),
        );
        let public = ext.get("publicSettings");
        if let Some(pairs) = self.string_map(&public) {
            o.attr("public_settings", Some(string_map(&pairs)));
        }
        let protected = ext.get("protectedSettings");
        if let Some(pairs) = self.string_map(&protected) {
            let name = ext.get("name").str().unwrap_or("extension");
            let what = format!("{name}_protected_settings");
            let reference = self.secret(&what, &protected, SecretValue::Map(pairs));
            o.attr("protected_settings", Some(reference));
        }
        let vault = ext.get("protectedSettingsFromKeyVault");
        let mut v = Out::default();
        v.attr("secret_url", s(&vault.get("secretUrl")));
        v.attr("source_vault", s(&vault.get("sourceVault")));
        o.block(v.into_block("protected_settings_from_key_vault"));
        o.into_block("extensions")
    }

    /// A settings object as the provider's `map(string)`: strings as they are, numbers and
    /// booleans as their JSON text; an object holding nested values cannot be one, so it is left
    /// out (and listed). Not read at all when absent.
    fn string_map(&mut self, node: &Node<'_>) -> Option<Vec<(String, String)>> {
        if !node.is_object() {
            return None;
        }
        let Some(Value::Object(map)) = node.take() else {
            return None;
        };
        let mut pairs = Vec::with_capacity(map.len());
        for (k, v) in map {
            let text = match v {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                Value::Null => continue,
                Value::Array(_) | Value::Object(_) => {
                    self.left_out.push(node.path().to_owned());
                    return None;
                }
            };
            pairs.push((k.clone(), text));
        }
        Some(pairs)
    }
}
