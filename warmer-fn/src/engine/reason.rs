//! Why an AWS call failed, as a sentence an operator can act on: no credentials (and where
//! they are looked for), access denied (naming the missing IAM action), no region, an endpoint
//! that cannot be reached. Never the SDK's debug dump. The engine words every failed call
//! with it; the `warmer` command uses it for its own calls (`--dry-run`).
//!
//! ```
//! use warmer_fn::engine::reason::CallSite;
//! let site = CallSite { action: "lambda:InvokeFunction", region: Some("eu-west-1".into()) };
//! assert_eq!(site.action, "lambda:InvokeFunction");
//! ```

use std::error::Error as StdError;

use aws_credential_types::provider::error::CredentialsError;
use aws_sdk_lambda::error::{ProvideErrorMetadata, SdkError};

use super::count::FailureKind;

/// Where the failing call was going, for the sentence.
#[derive(Debug, Clone, Default)]
pub struct CallSite {
    /// The IAM action the call needs (e.g. `lambda:InvokeFunction`).
    pub action: &'static str,
    /// The client's region, when it has one.
    pub region: Option<String>,
}

impl CallSite {
    /// The call site of `action` made with `client`.
    pub fn new(client: &aws_sdk_lambda::Client, action: &'static str) -> Self {
        Self {
            action,
            region: client.config().region().map(|r| r.to_string()),
        }
    }
}

/// The failure's kind (for the report's `failure_types`) and a sentence saying what to do.
pub fn explain<E, R>(err: &SdkError<E, R>, site: &CallSite) -> (FailureKind, String)
where
    E: ProvideErrorMetadata + StdError + 'static,
    R: std::fmt::Debug + 'static,
{
    if let Some(kind) = credentials_problem(err) {
        return (
            FailureKind::NoCredentials,
            format!(
                "no AWS credentials found ({kind}): the SDK looks in AWS_ACCESS_KEY_ID and \
                 AWS_SECRET_ACCESS_KEY, then the profile named by AWS_PROFILE (default \
                 `default`) in ~/.aws/credentials and ~/.aws/config (including SSO: run \
                 `aws sso login`), then web identity, ECS and EC2 instance roles; set one of them"
            ),
        );
    }
    match err {
        SdkError::ServiceError(service) => {
            let inner = service.err();
            let code = inner.code().unwrap_or("ServiceError").to_owned();
            let message = inner.message().unwrap_or("no message").to_owned();
            let sentence = match code.as_str() {
                // Lambda's AccessDeniedException is not modelled for every operation, so the
                // code is matched as a string.
                "AccessDeniedException" | "AccessDenied" => format!(
                    "access denied: the caller may not call `{}` here ({message}): grant that \
                     action to the warmer's IAM role or user",
                    site.action
                ),
                "UnrecognizedClientException" | "InvalidSignatureException" => format!(
                    "the credentials were refused ({code}: {message}): check that the access \
                     key exists and the secret key matches it"
                ),
                "ExpiredTokenException" => format!(
                    "the credentials have expired ({message}): refresh them (e.g. `aws sso \
                     login`) and run again"
                ),
                _ => format!("{code}: {message}"),
            };
            (FailureKind::from(code), sentence)
        }
        SdkError::TimeoutError(_) => (
            FailureKind::Timeout,
            "the SDK timed out before an answer came".into(),
        ),
        SdkError::DispatchFailure(failure) => {
            let region = site.region.as_deref().unwrap_or("(none)");
            if failure.is_timeout() {
                (
                    FailureKind::ConnectTimeout,
                    format!(
                        "the Lambda endpoint (region `{region}`) did not accept a connection in \
                         time: check the region, the endpoint URL and the network"
                    ),
                )
            } else if failure.is_io() {
                (
                    FailureKind::DispatchFailure,
                    format!(
                        "the Lambda endpoint (region `{region}`) could not be reached ({}): \
                         check the region name, the endpoint URL and the network",
                        root_cause(err)
                    ),
                )
            } else {
                (
                    FailureKind::DispatchFailure,
                    format!(
                        "the request could not be sent ({}): check the region `{region}` and \
                         the endpoint URL",
                        root_cause(err)
                    ),
                )
            }
        }
        SdkError::ResponseError(_) => (
            FailureKind::ResponseError,
            "the response could not be read: the endpoint may not be a Lambda endpoint".into(),
        ),
        SdkError::ConstructionFailure(_) if site.region.is_none() => (
            FailureKind::NoRegion,
            "no AWS region is set: set AWS_REGION, `region` in the profile, or pass a region"
                .into(),
        ),
        other => (
            FailureKind::ConstructionFailure,
            format!("the request could not be built: {}", root_cause(other)),
        ),
    }
}

/// The credentials error in `err`'s chain of sources, worded briefly, if there is one.
fn credentials_problem(err: &(dyn StdError + 'static)) -> Option<&'static str> {
    let mut source: Option<&(dyn StdError + 'static)> = Some(err);
    while let Some(e) = source {
        if let Some(credentials) = e.downcast_ref::<CredentialsError>() {
            return Some(match credentials {
                CredentialsError::CredentialsNotLoaded(_) => "no provider had any",
                CredentialsError::ProviderTimedOut(_) => "the provider timed out",
                CredentialsError::InvalidConfiguration(_) => "the configuration is invalid",
                CredentialsError::ProviderError(_) => "the provider failed",
                _ => "the provider failed",
            });
        }
        source = e.source();
    }
    None
}

/// The innermost source's message: short, and the part that names the cause (DNS failure,
/// connection refused), unlike the debug form of the whole chain.
fn root_cause(err: &(dyn StdError + 'static)) -> String {
    let mut last: &(dyn StdError + 'static) = err;
    while let Some(next) = last.source() {
        last = next;
    }
    let text = last.to_string();
    let text: String = text.chars().take(160).collect();
    if text.is_empty() {
        "no detail".into()
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_lambda::config::http::HttpResponse as Response;
    use aws_sdk_lambda::error::ErrorMetadata;
    use aws_sdk_lambda::operation::invoke::InvokeError;
    use aws_sdk_lambda::primitives::SdkBody;

    fn service_error(code: &str, message: &str) -> SdkError<InvokeError, Response> {
        let meta = ErrorMetadata::builder().code(code).message(message).build();
        SdkError::service_error(
            InvokeError::generic(meta),
            Response::new(403u16.try_into().unwrap(), SdkBody::empty()),
        )
    }

    #[test]
    fn access_denied_names_the_missing_action() {
        let site = CallSite {
            action: "lambda:GetFunctionConcurrency",
            region: Some("eu-west-1".into()),
        };
        let (kind, sentence) = explain(
            &service_error("AccessDeniedException", "User is not authorized"),
            &site,
        );
        assert_eq!(kind.to_string(), "AccessDeniedException");
        assert!(
            sentence.contains("`lambda:GetFunctionConcurrency`") && sentence.contains("grant"),
            "{sentence}"
        );
    }

    #[test]
    fn refused_and_expired_credentials_say_what_to_do() {
        let site = CallSite::default();
        let (_, refused) = explain(
            &service_error("UnrecognizedClientException", "bad key"),
            &site,
        );
        assert!(refused.contains("access key"), "{refused}");
        let (_, expired) = explain(&service_error("ExpiredTokenException", "expired"), &site);
        assert!(expired.contains("refresh"), "{expired}");
    }
}
