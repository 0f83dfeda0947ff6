//! Running a plugin: its manifest, the compiled module and its instances, the HTTP and logging
//! the harness gives it, what its calls are observed doing, and the retries and sharding a host
//! wraps around its calls.

pub mod guard;
pub mod http;
pub mod imports;
pub mod issued;
pub mod logs;
pub mod manifest;
pub mod observe;
pub mod plugin;
pub mod pool;
pub mod retry;
pub mod traps;
