//! The fake SaaS Alerts every unit test talks to.

pub use vendor_kit::testing::FakeHttp;

/// The API root the tests' credentials lead to (`api_url` `https://sa.example`).
pub const API_ROOT: &str = "https://sa.example/reportApi/api/v1";

/// Returns a fake transport whose routes are the paths after [`API_ROOT`].
pub fn fake_saas_alerts() -> FakeHttp {
    FakeHttp::at(API_ROOT)
}
