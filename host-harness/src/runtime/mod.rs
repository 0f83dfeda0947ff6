//! Running a plugin: its manifest, the compiled module and its instances, the HTTP the harness
//! gives it, and the retries and sharding a host wraps around its calls.

pub mod guard;
pub mod http;
pub mod imports;
pub mod manifest;
pub mod plugin;
pub mod pool;
pub mod retry;
pub mod traps;
