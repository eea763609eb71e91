//! The Lambda client the engine invokes with: the standard AWS configuration chain, retries off.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region};
use aws_credential_types::Credentials;
use aws_credential_types::provider::ProvideCredentials;

/// How long a warm-up waits for its connection: 10 s, room for two SYN retransmissions
/// (Linux retransmits an unanswered SYN after 1 s, then 2 s later). Each invoke is still bounded
/// by its hold plus `invoke_grace` and by the run's deadline.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Where to send invokes. Both fields fall back to the standard AWS configuration chain.
///
/// ```
/// let local = warmer_fn::engine::ClientOptions {
///     endpoint_url: Some("http://127.0.0.1:9001".into()),
///     region: None,
/// };
/// assert!(local.endpoint_url.is_some());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientOptions {
    /// Send every request here instead of the regional Lambda endpoint (e.g. `local-lambda`).
    pub endpoint_url: Option<String>,
    /// The AWS region; else `AWS_REGION`, the profile, or (with an endpoint URL) `us-east-1`.
    pub region: Option<String>,
}

/// Builds a Lambda client for warm-ups.
///
/// Retries are off ([`RetryConfig::disabled`]): a retried warm-up would hold a second
/// environment and be counted twice. The connect timeout is [`CONNECT_TIMEOUT`] (the SDK's
/// default is 3.1 s): a run opens up to 900 connections at once, and a connection attempt
/// whose first SYN is dropped by a busy endpoint is retried by the kernel after 1 s and again
/// 2 s later, which the default cuts off. Credentials come from the standard chain; when an
/// endpoint URL is given and neither the environment nor the profile has credentials, static
/// dummy credentials are used (a local endpoint does not check signatures).
///
/// ```no_run
/// # async fn demo() {
/// use warmer_fn::engine::{ClientOptions, client};
/// let lambda = client(&ClientOptions {
///     endpoint_url: Some("http://127.0.0.1:9001".into()),
///     region: None,
/// })
/// .await;
/// # let _ = lambda;
/// # }
/// ```
pub async fn client(opts: &ClientOptions) -> aws_sdk_lambda::Client {
    client_with_profile(opts, None).await
}

/// [`client`], reading the shared config and credentials files' profile `profile` instead of
/// the default one (or `AWS_PROFILE`): its region, credentials and `endpoint_url`, as the AWS
/// CLI's `--profile` does
/// (<https://docs.aws.amazon.com/sdkref/latest/guide/file-format.html>). `None` is [`client`].
///
/// ```no_run
/// # async fn demo() {
/// use warmer_fn::engine::{ClientOptions, client_with_profile};
/// let lambda = client_with_profile(&ClientOptions::default(), Some("prod")).await;
/// # let _ = lambda;
/// # }
/// ```
pub async fn client_with_profile(
    opts: &ClientOptions,
    profile: Option<&str>,
) -> aws_sdk_lambda::Client {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .retry_config(RetryConfig::disabled())
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(CONNECT_TIMEOUT)
                .build(),
        );
    if let Some(profile) = profile {
        loader = loader.profile_name(profile);
    }
    if let Some(region) = &opts.region {
        loader = loader.region(Region::new(region.clone()));
    }
    if let Some(url) = &opts.endpoint_url {
        loader = loader.endpoint_url(url.clone());
    }
    // The SDK reads AWS_ENDPOINT_URL_LAMBDA and AWS_ENDPOINT_URL itself when the config loads;
    // an endpoint given that way is local in the same sense as one given here.
    let endpoint_given = opts.endpoint_url.is_some() || endpoint_from_env("LAMBDA");
    let config = load_local_aware(loader, profile, endpoint_given).await;
    aws_sdk_lambda::Client::new(&config)
}

/// Loads `loader`'s configuration; when `endpoint_given` (a local endpoint) and neither the
/// environment nor `profile` has credentials, with static dummy ones, and in `us-east-1` when
/// no region is set. Every client of the crate is made through this.
pub(crate) async fn load_local_aware(
    mut loader: aws_config::ConfigLoader,
    profile: Option<&str>,
    endpoint_given: bool,
) -> aws_config::SdkConfig {
    if endpoint_given && !has_local_credentials(profile).await {
        loader = loader.credentials_provider(Credentials::new(
            "warmer-local",
            "warmer-local",
            None,
            None,
            "warmer-dummy",
        ));
    }
    let mut config = loader.load().await;
    if endpoint_given && config.region().is_none() {
        config = config
            .into_builder()
            .region(Region::from_static("us-east-1"))
            .build();
    }
    config
}

/// Whether the AWS SDKs take an endpoint URL for the service `service_env` (`LAMBDA`,
/// `CLOUDWATCH`) from the environment: `AWS_ENDPOINT_URL_<SERVICE>` or `AWS_ENDPOINT_URL` set
/// (non-empty) and not switched off by `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true`
/// (<https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html>).
pub(crate) fn endpoint_from_env(service_env: &str) -> bool {
    let ignored = std::env::var("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")
        .is_ok_and(|v| v.eq_ignore_ascii_case("true"));
    let specific = format!("AWS_ENDPOINT_URL_{service_env}");
    !ignored
        && [specific.as_str(), "AWS_ENDPOINT_URL"]
            .iter()
            .any(|key| std::env::var(key).is_ok_and(|v| !v.is_empty()))
}

/// Whether the environment or the shared profile provides credentials, without reaching for
/// instance metadata (which would stall a laptop for seconds).
async fn has_local_credentials(profile: Option<&str>) -> bool {
    let env = aws_config::environment::EnvironmentVariableCredentialsProvider::new();
    if env.provide_credentials().await.is_ok() {
        return true;
    }
    let mut builder = aws_config::profile::ProfileFileCredentialsProvider::builder();
    if let Some(profile) = profile {
        builder = builder.profile_name(profile);
    }
    builder.build().provide_credentials().await.is_ok()
}
