//! `spotinst-aks-engine estimate`: the import's plan (same flags that decide the groups), priced:
//! per pool its nodes on demand and on Spot, the sizes chosen with their prices and eviction
//! bands, and the total. Reads the saved or named files; a missing one is read live (prices need
//! no credentials; eviction rates need `-s` and Azure credentials). Writes nothing.

use std::io::Write;
use std::process::ExitCode;

use aks_engine::{OutputDir, RequirementOverrides};
use anyhow::{Result, anyhow};
use group_sync::StateFile;
use importer::azure_access::ArmConnection;
use importer::plan::{self, PlanOptions};
use importer::prices::{self, Piece, SaveLive};
use importer::{home, scope, sizes};

use super::access::{azure_access, runtime};
use crate::cli::{EstimateArgs, OutputFormat};

pub fn run(args: EstimateArgs) -> Result<ExitCode> {
    let sets = elastigroup::parse_set_args(&args.set)?;
    let dir = OutputDir::load(&args.cluster.output_directory)?;
    // Estimate writes nothing: the recorded home (if any) wins as for a dry run, and a
    // `-r`/`-s` naming another one is refused.
    let homes = StateFile::load(&StateFile::path_in(&dir.path))
        .map(|state| home::recorded(&state))
        .unwrap_or_default();
    let home = home::resolve(
        args.cluster.resource_group.given(),
        args.cluster.given_subscription(),
        &homes,
        &dir,
        true,
    )?;
    let region = sizes::cluster_region(&dir).ok_or_else(|| {
        anyhow!(
            "{}: no location: the prices are per region",
            dir.path.join("apimodel.json").display()
        )
    })?;
    // The catalog as for a dry run (a file or the saved one); prices and rates read live when
    // no file has them.
    let flags = args.sizes.flags();
    let mut size_options = flags.options(&dir, false)?;
    size_options.prices = flags.prices.initial(&dir.path, Some(&region), true)?;
    if matches!(size_options.prices.rates, Piece::Pending)
        && home.subscription_id == scope::PLACEHOLDER_SUBSCRIPTION
    {
        tracing::warn!(
            "no subscription (-s/--subscription or AZURE_SUBSCRIPTION_ID): Spot eviction rates are read from Resource Graph in one, so sizes are ranked without them"
        );
        size_options.prices.rates = Piece::Missing;
    }
    if size_options.prices.is_pending() {
        let mut arm = ArmConnection::new(azure_access(&args.azure), home.subscription_id.clone());
        let runtime = runtime()?;
        runtime.block_on(prices::settle(
            &mut size_options.prices,
            &dir.path,
            &region,
            None,
            &mut arm,
            SaveLive::DontSave,
        ));
    }
    if matches!(size_options.prices.prices, Piece::Missing) {
        return Err(anyhow!(
            "no VM prices for {region}: pass --price-catalog FILE (the Retail Prices API's answer), \
             or run a real import, which saves {} for later runs",
            prices::saved_prices_path(&dir.path, &region).display()
        ));
    }
    let data = size_options.prices.clone();
    let options = PlanOptions {
        pools: args.pools.clone(),
        generation: args.elastigroup_api,
        sets,
        overrides: RequirementOverrides {
            allow_basic_load_balancer: args.allow_basic_load_balancer,
            allow_kubenet: args.allow_kubenet,
        },
        subscription_id: home.subscription_id,
        resource_group: home.resource_group.value,
        sizes: size_options,
    };
    let planned = plan::plan(&dir, &options, None)?;
    let shown = tracing::enabled!(tracing::Level::WARN);
    if shown {
        for note in data
            .stand_in_notes(&region)
            .into_iter()
            .chain(data.missing_notes(&dir.path, &region))
        {
            eprintln!("note: {note}");
        }
        for g in &planned {
            if let Some(s) = &g.sizes {
                for w in &s.warnings {
                    tracing::warn!("agent pool `{}`: {w}", g.pool);
                }
            }
        }
    }
    let estimate = prices::estimate(&planned, &data, &region)
        .ok_or_else(|| anyhow!("internal: prices were read but the estimate has none"))?;
    let mut stdout = std::io::stdout().lock();
    match args.output {
        OutputFormat::Json => writeln!(stdout, "{}", serde_json::to_string_pretty(&estimate)?)?,
        OutputFormat::Text => {
            writeln!(
                stdout,
                "Estimated cost in {} ({region}, 730 hours a month):",
                estimate.currency
            )?;
            write!(stdout, "{}", estimate.text())?;
        }
    }
    stdout.flush()?;
    Ok(ExitCode::SUCCESS)
}
