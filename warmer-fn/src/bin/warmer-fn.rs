//! The warmer Lambda (see `warmer_fn::lambda`).

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    warmer_fn::lambda::run().await
}
