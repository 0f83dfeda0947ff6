//! The tenants the benchmark serves: generated from a fixed seed, replayed on 127.0.0.1.

use std::path::Path;

use fastrand::Rng;
use host_harness::traffic::replay::{Exchange, Recording, ReplayServer, REPLAY_URL_PLACEHOLDER};
use plugin_contract::{Credentials, FetchUsageInput};
use serde_json::{json, Value};

use crate::support::json_exchange;

/// Seeds the `fastrand` generator of the tenants; the data also changes with `fastrand`'s
/// algorithm, should a new version change it.
pub const DATA_SEED: u64 = 0x5aa5_a1e7;
/// Holds the API key every tenant takes.
pub const KEY: &str = "bench-key";
/// Names the one service counted from the customer list alone.
pub const BILLABLE: &str = "billable-users";

/// Serves `recording` on 127.0.0.1, each answer `latency_ms` late, with the bench's credentials.
///
/// JSON bodies are served as text, so that the request measures HTTP, not the replay server
/// printing the JSON again for every request.
pub fn serve(recording: Recording, latency_ms: u64) -> ReplayServer {
    ReplayServer::serve(as_served(recording, latency_ms), credentials()).expect("replay starts")
}

/// Returns `recording` with its JSON bodies as text and each answer `latency_ms` late.
fn as_served(mut recording: Recording, latency_ms: u64) -> Recording {
    for exchange in &mut recording.exchanges {
        if let Some(body) = exchange.response.body.take() {
            exchange.response.body_text = Some(body.to_string());
        }
        if latency_ms > 0 {
            exchange.response.delay_ms = Some(latency_ms);
        }
    }
    recording
}

/// Returns the credentials of every tenant, the server's URL as its placeholder.
pub fn credentials() -> Credentials {
    [("api_key", KEY), ("api_url", REPLAY_URL_PLACEHOLDER)]
        .into_iter()
        .collect()
}

/// Writes `recording` as a scenario folder `host-harness serve` reads: `exchanges.json` and
/// `credentials.json`.
pub fn write_scenario(folder: &Path, recording: Recording) {
    std::fs::create_dir_all(folder).expect("scenario folder");
    let write = |name: &str, value: String| {
        std::fs::write(folder.join(name), value + "\n").expect("scenario file");
    };
    let exchanges = serde_json::to_string(&as_served(recording, 0)).expect("JSON");
    write("exchanges.json", exchanges);
    write(
        "credentials.json",
        serde_json::to_string_pretty(&credentials()).expect("JSON"),
    );
}

/// Returns the input of a `fetch_usage` of `services` (all when `None`) for every account.
pub fn usage_input(server: &ReplayServer, services: Option<Vec<String>>) -> FetchUsageInput {
    FetchUsageInput {
        credentials: server.credentials().clone(),
        as_of: "2026-11-01T00:00:00Z".into(),
        account_ids: None,
        service_ids: services,
    }
}

// ---- the tenant generator ----

/// Returns `true` `percent` times in 100, drawn from `rng`.
fn chance(rng: &mut Rng, percent: u8) -> bool {
    rng.u8(..100) < percent
}

/// Returns the id of customer `index`.
pub fn customer_id(index: usize) -> String {
    format!("Cu{index:018}")
}

/// Generates `customers` customers with `users` users each: about 40% billable, with guests,
/// shared mailboxes, disabled accounts and several platforms.
pub fn tenant(customers: usize, users: usize) -> Recording {
    let mut rng = Rng::with_seed(DATA_SEED);
    let mut list = Vec::with_capacity(customers);
    let mut exchanges = Vec::new();
    for index in 0..customers {
        let id = customer_id(index);
        let mut people = Vec::with_capacity(users);
        let mut billable = 0;
        for n in 0..users {
            let (user, is_billable) = user_entry(&mut rng, index, n);
            billable += u64::from(is_billable);
            people.push(user);
        }
        if users == 0 {
            billable = rng.u64(..60);
        }
        list.push(customer_entry(&mut rng, index, billable, users));
        if users > 0 {
            exchanges.push(json_exchange(
                "/reports/users",
                Some(&id),
                &[],
                Value::Array(people),
            ));
        }
    }
    exchanges.insert(
        0,
        json_exchange("/reports/customers", None, &[], Value::Array(list)),
    );
    Recording {
        source: format!("generated with seed {DATA_SEED:#x}"),
        exchanges,
    }
}

/// One customer of the generator, with `billable` billing users out of `users` accounts.
pub fn customer_entry(rng: &mut Rng, index: usize, billable: u64, users: usize) -> Value {
    let active = chance(rng, 90);
    json!({
        "id": customer_id(index), "name": format!("Customer {index} & Co"), "customerDomain": format!("c{index}.example"),
        "status": if active { "active" } else { "inactive" }, "products": [{"name": "Microsoft"}],
        "billingUsers": {"count": billable}, "totalAccountsAmount": users,
        "mappedToPSA": if chance(rng, 50) { json!([{"product": "autotaskpsa", "mappedTo": format!("{}", 29_000_000 + index)}]) } else { Value::Null }
    })
}

/// User `n` of customer `index` from the generator, and whether it is billable.
pub fn user_entry(rng: &mut Rng, index: usize, n: usize) -> (Value, bool) {
    let platform = ["ms", "google", "slack", "dropbox", "salesforce"][rng.usize(..4)];
    let kind = rng.usize(..10);
    let is_billable = kind < 4;
    let role = [
        "user",
        "user",
        "Global Administrator",
        "user",
        "guest",
        "shared mailbox",
        "service account",
        "user",
        "user",
        "user",
    ][kind];
    let user = json!({
        "id": format!("u{index}-{n}"), "name": format!("User {n}"), "email": format!("user{n}@c{index}.example"),
        "role": role, "product": {"type": platform}, "accountEnabled": kind != 7,
        "isBillable": is_billable, "ip": format!("203.0.113.{}", n % 250), "time": "2026-11-25T08:14:03.512+00:00"
    });
    (user, is_billable)
}

/// A JSON list of `entry(0)`, `entry(1)`, … with as many entries as fit in `max_bytes`;
/// returns the list and the number of entries.
pub fn list_body(max_bytes: usize, mut entry: impl FnMut(usize) -> String) -> (String, usize) {
    let mut body = String::with_capacity(max_bytes);
    body.push('[');
    let mut count = 0;
    loop {
        let next = entry(count);
        // The entry, a comma before it and the closing bracket.
        if body.len() + next.len() + 2 > max_bytes {
            break;
        }
        if count > 0 {
            body.push(',');
        }
        body.push_str(&next);
        count += 1;
    }
    body.push(']');
    (body, count)
}

/// Records `GET /reportApi/api/v1<path>[?customerId=…]` answered 200 with `body` as is.
pub fn text_exchange(path: &str, customer_id: Option<&str>, body: String) -> Exchange {
    let mut exchange = json_exchange(path, customer_id, &[], Value::Null);
    exchange.response.body = None;
    exchange.response.body_text = Some(body);
    exchange
}

/// A recording of `exchanges`, made by this benchmark.
pub fn recording(exchanges: Vec<Exchange>) -> Recording {
    Recording {
        source: format!("generated with seed {DATA_SEED:#x}"),
        exchanges,
    }
}
