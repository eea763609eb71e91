// Checks: the attribute on anything but a function is rejected on the item's keyword.
#[warm_sdk::warmable]
struct Handler;

fn main() {}
