//! `host-harness ui`: a local web host for any plugin, by its manifest, on the store of
//! [`crate::store`]: the seed's screens in a browser (Integrations, Connect, Accounts,
//! Services, Sync, Review, History).
//!
//! The web layer holds no rule of its own: each screen reads the store, and each button calls
//! one of [`crate::store::steps`], [`Store::edit_mapping`] or [`Store::approve`], the functions
//! the CLI calls too. Pages are rendered on the server ([`pages`], [`lists`]) with a little
//! JavaScript (`assets/app.js`: search as you type, drag and drop, the sync's progress), and
//! every asset is served from the binary. [`guard`] keeps anyone else from driving it.
//!
//! The secret credentials a person enters live in this process's memory only: never in the
//! store, a log, a URL or anything sent to the browser. Restarting the host asks for them
//! again.

pub mod guard;
pub mod job;
pub mod lists;
pub mod pages;

use std::collections::BTreeMap;
use std::io::{Read, Write as _};
use std::path::PathBuf;

use maud::Markup;
use plugin_contract::{Credentials, ErrorClass, PluginError, Secrets};
use tiny_http::{Method, Request, Response};

use crate::clock::now_rfc3339;
use crate::runtime::manifest::{ManifestError, PluginManifest};
use crate::runtime::plugin::{LoadError, PluginModule};
use crate::seed::approve::Choice;
use crate::seed::history::change_set_files;
use crate::seed::line::{NotAKey, PsaLine};
use crate::seed::mapping::Edit;
use crate::seed::psa::{PsaError, PsaSnapshot};
use crate::store::approvals::ApprovalError;
use crate::store::steps::{self, Calling, StepError};
use crate::store::{Store, StoreError};
use crate::traffic::replay::{replay_only, ReplayError, ReplayServer};
use guard::{header, security_headers, Guard, Verdict};
use job::Job;

/// What `host-harness ui` was asked to serve.
pub struct UiOptions {
    /// The plugin's manifest.
    pub manifest: PathBuf,
    /// A recorded scenario to replay instead of the live vendor.
    pub replay: Option<PathBuf>,
    /// A PSA snapshot to import when the store has none.
    pub psa: Option<PathBuf>,
    /// The store.
    pub store: PathBuf,
    /// The port, or a free one.
    pub port: Option<u16>,
    /// Extra hosts the live plugin may reach.
    pub allow_hosts: Vec<String>,
}

/// Why the web host could not start.
#[derive(Debug, thiserror::Error)]
pub enum UiError {
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error(transparent)]
    Replay(#[from] ReplayError),
    #[error(transparent)]
    Psa(#[from] PsaError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Random(#[from] guard::RandomError),
    /// Neither the store nor `--psa` has a PSA snapshot.
    #[error("the store {} has no PSA snapshot: give one with --psa FILE", .0.display())]
    NoPsa(PathBuf),
    /// The port could not be listened on.
    #[error("cannot listen on 127.0.0.1:{port}: {reason}")]
    Listen { port: u16, reason: String },
}

/// The web host's state for its life.
struct App {
    module: PluginModule,
    /// Kept alive: the plugin's only vendor, when replaying.
    replay: Option<ReplayServer>,
    store_path: PathBuf,
    store: Store,
    guard: Guard,
    /// The credentials last accepted, secrets included: in memory only.
    entered: Option<Credentials>,
    /// Non-secret values a form starts with besides the schema's defaults (a replay's URL).
    presets: Credentials,
    job: Job,
}

/// Serves the web host until the process ends; calls `ready` with the URL to open (it holds
/// the session token) once it listens.
pub fn serve(options: &UiOptions, ready: impl FnOnce(&str)) -> Result<(), UiError> {
    let mut store = Store::open(&options.store)?;
    store.interrupt_running(&now_rfc3339())?;
    if store.psa()?.is_none() {
        let Some(path) = &options.psa else {
            return Err(UiError::NoPsa(options.store.clone()));
        };
        store.import_psa(&PsaSnapshot::load(path)?)?;
    } else if options.psa.is_some() {
        let _ = writeln!(
            std::io::stderr(),
            "host-harness ui: {} already holds a PSA snapshot (as its approvals left it); --psa is not imported again",
            options.store.display()
        );
    }
    let manifest = PluginManifest::load(&options.manifest)?;
    let replay = options
        .replay
        .as_deref()
        .map(ReplayServer::start)
        .transpose()?;
    let module = match &replay {
        Some(_) => PluginModule::compile(&replay_only(&manifest), &[])?,
        None => PluginModule::compile(&manifest, &options.allow_hosts)?,
    };
    let mut presets = Credentials::default();
    if let Some(replay) = &replay {
        // The scenario's key is what its vendor accepts; any other gets the vendor's 401.
        replay.expect_secrets(module.secrets(replay.credentials()));
        replay.refuse_wrong_secrets();
        for (key, value) in replay.credentials().iter() {
            if !module.secret_fields().iter().any(|s| s == key) {
                presets.insert(key, value);
            }
        }
    }
    let server =
        tiny_http::Server::http(("127.0.0.1", options.port.unwrap_or(0))).map_err(|e| {
            UiError::Listen {
                port: options.port.unwrap_or(0),
                reason: e.to_string(),
            }
        })?;
    let port = server
        .server_addr()
        .to_ip()
        .map(|a| a.port())
        .unwrap_or_default();
    let guard = Guard::new(port)?;
    ready(&format!(
        "http://127.0.0.1:{port}/?token={}",
        guard.session_token()
    ));
    let mut app = App {
        module,
        replay,
        store_path: options.store.clone(),
        store,
        guard,
        entered: None,
        presets,
        job: Job::default(),
    };
    for request in server.incoming_requests() {
        // A bug in one page must not stop the host: the request is dropped (tiny_http answers
        // it 500) and the next one is served.
        let handled =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| app.handle(request)));
        if handled.is_err() {
            let _ = writeln!(
                std::io::stderr(),
                "host-harness ui: a request failed inside the host; it was answered 500"
            );
        }
    }
    Ok(())
}

/// A request's form body or query, each field's values in order.
pub struct Form(BTreeMap<String, Vec<String>>);

impl Form {
    fn parse(text: &str) -> Form {
        let mut fields: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (key, value) in url::form_urlencoded::parse(text.as_bytes()) {
            fields
                .entry(key.into_owned())
                .or_default()
                .push(value.into_owned());
        }
        Form(fields)
    }

    /// Returns the first value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.first()).map(String::as_str)
    }

    /// Returns every value of `key`.
    pub fn all(&self, key: &str) -> &[String] {
        self.0.get(key).map_or(&[], Vec::as_slice)
    }
}

/// The largest form body read.
const MAX_BODY_BYTES: u64 = 1 << 20;

/// What a handler answers.
enum Reply {
    /// A page, or a fragment of one (a list) for the script to put in place.
    Page(Markup),
    Redirect(String),
    Json(String),
    Download {
        name: &'static str,
        content_type: &'static str,
        bytes: Vec<u8>,
    },
    Asset {
        content_type: &'static str,
        bytes: &'static [u8],
    },
    Error {
        status: u16,
        message: String,
    },
}

impl App {
    fn handle(&mut self, mut request: Request) {
        let mut body = String::new();
        if *request.method() == Method::Post {
            let _ = request
                .as_reader()
                .take(MAX_BODY_BYTES)
                .read_to_string(&mut body);
        }
        let form = Form::parse(&body);
        let (path, query) = request
            .url()
            .split_once('?')
            .map_or((request.url().to_owned(), String::new()), |(p, q)| {
                (p.to_owned(), q.to_owned())
            });
        let query = Form::parse(&query);
        let reply = match self.guard.check(&request, form.get("csrf")) {
            Verdict::Refuse { status, reason } => Reply::Error {
                status,
                message: reason.into(),
            },
            Verdict::SetCookie { location } => {
                let response = Response::empty(303)
                    .with_header(self.guard.cookie_header())
                    .with_header(header("Location", &location));
                let _ = request.respond(with_security(response));
                return;
            }
            Verdict::Allow => {
                let method = request.method().clone();
                self.route(&method, &path, &query, &form)
            }
        };
        let _ = match reply {
            Reply::Page(markup) => request.respond(with_security(
                Response::from_string(markup.into_string())
                    .with_header(header("Content-Type", "text/html; charset=utf-8")),
            )),
            Reply::Redirect(location) => request.respond(with_security(
                Response::empty(303).with_header(header("Location", &location)),
            )),
            Reply::Json(json) => request.respond(with_security(
                Response::from_string(json).with_header(header("Content-Type", "application/json")),
            )),
            Reply::Download {
                name,
                content_type,
                bytes,
            } => request.respond(with_security(
                Response::from_data(bytes)
                    .with_header(header("Content-Type", content_type))
                    .with_header(header(
                        "Content-Disposition",
                        &format!("attachment; filename=\"{name}\""),
                    )),
            )),
            Reply::Asset {
                content_type,
                bytes,
            } => request.respond(with_security(
                Response::from_data(bytes).with_header(header("Content-Type", content_type)),
            )),
            Reply::Error { status, message } => request.respond(with_security(
                Response::from_string(pages::error_page(status, &message).into_string())
                    .with_status_code(status)
                    .with_header(header("Content-Type", "text/html; charset=utf-8")),
            )),
        };
    }

    fn route(&mut self, method: &Method, path: &str, query: &Form, form: &Form) -> Reply {
        let result = match (method, path) {
            (Method::Get, "/") => self.integrations(),
            (Method::Get, "/connect") => self.connect_page(None, None),
            (Method::Post, "/connect") => self.connect(form),
            (Method::Post, "/refresh") => self.refresh(),
            (Method::Get, "/accounts") => self.accounts_page(query),
            (Method::Get, "/accounts/psa") => self.psa_accounts_list(query),
            (Method::Get, "/accounts/vendor") => self.vendor_accounts_list(query),
            (Method::Get, "/services") => self.services_page(query),
            (Method::Get, "/services/psa") => self.psa_products_list(query),
            (Method::Post, "/mapping") => self.edit_mapping(form),
            (Method::Post, "/sync/start") => self.start_sync(),
            (Method::Post, "/sync/cancel") => {
                self.job.cancel();
                Ok(Reply::Redirect("/sync".into()))
            }
            (Method::Get, "/sync") => self
                .context()
                .map(|context| Reply::Page(pages::sync_page(&context, &self.job.progress()))),
            (Method::Get, "/sync/status.json") => {
                Ok(Reply::Json(pages::progress_json(&self.job.progress())))
            }
            (Method::Get, "/review") => self.review_page(query),
            (Method::Post, "/approve") => self.approve(form),
            (Method::Get, "/history") => self.history_page(),
            (Method::Get, "/assets/app.js") => Ok(Reply::Asset {
                content_type: "text/javascript; charset=utf-8",
                bytes: include_bytes!("assets/app.js"),
            }),
            (Method::Get, "/favicon.ico" | "/assets/icon.svg") => Ok(Reply::Asset {
                content_type: "image/svg+xml",
                bytes: include_bytes!("assets/icon.svg"),
            }),
            (Method::Get, "/assets/app.css") => Ok(Reply::Asset {
                content_type: "text/css; charset=utf-8",
                bytes: include_bytes!("assets/app.css"),
            }),
            (Method::Get, approval) if approval.starts_with("/approvals/") => {
                self.approval(&approval["/approvals/".len()..])
            }
            _ => Ok(Reply::Error {
                status: 404,
                message: "no such page".into(),
            }),
        };
        result.unwrap_or_else(|error| Reply::Error {
            status: 500,
            message: self.redact(&crate::render::with_causes(&error)),
        })
    }

    /// Returns what every page shows: the vendor, the status, the CSRF token.
    fn context(&self) -> Result<pages::Context, StoreError> {
        let description = self.module.description();
        Ok(pages::Context {
            vendor: description.vendor.name.clone(),
            plugin_version: description.plugin_version.clone(),
            interface_version: description.interface_version.clone(),
            status: self.store.status()?,
            csrf: self.guard.csrf_token().to_owned(),
            replaying: self.replay.is_some(),
            store: self.store_path.display().to_string(),
        })
    }

    /// Removes every form of the entered secrets from `text`.
    fn redact(&self, text: &str) -> String {
        match &self.entered {
            Some(credentials) => self.module.secrets(credentials).redact(text).into_owned(),
            None => text.to_owned(),
        }
    }

    fn integrations(&self) -> Result<Reply, StoreError> {
        let connection = self.store.connection()?;
        Ok(Reply::Page(pages::integrations(
            &self.context()?,
            connection.as_ref(),
            self.store.last_sync()?.as_ref(),
        )))
    }

    /// Renders Connect, with `failure` placed beside the field it concerns.
    fn connect_page(
        &self,
        failure: Option<&PluginError>,
        entered: Option<&Credentials>,
    ) -> Result<Reply, StoreError> {
        let connection = self.store.connection()?;
        let mut values = self.presets.clone();
        if let Some(connection) = &connection {
            for (key, value) in connection.public_credentials.iter() {
                values.insert(key, value);
            }
        }
        if let Some(entered) = entered {
            for (key, value) in entered.iter() {
                if !self.module.secret_fields().iter().any(|s| s == key) {
                    values.insert(key, value);
                }
            }
        }
        let form = pages::CredentialsForm {
            schema: &self.module.description().credentials_schema,
            values: &values,
            secret_fields: self.module.secret_fields(),
            saved_secrets: self.entered.is_some(),
        };
        Ok(Reply::Page(pages::connect(
            &self.context()?,
            &form,
            connection.as_ref(),
            failure,
        )))
    }

    /// Authenticates with the entered credentials; an empty secret field keeps the one saved.
    fn connect(&mut self, form: &Form) -> Result<Reply, StoreError> {
        let mut credentials = Credentials::default();
        for field in pages::schema_fields(&self.module.description().credentials_schema) {
            let value = form.get(&format!("cred-{}", field.key)).unwrap_or("");
            let saved = self.entered.as_ref().and_then(|e| e.get(&field.key));
            match (value.is_empty(), saved, field.secret) {
                (true, Some(saved), true) => credentials.insert(&field.key, saved),
                (true, _, _) => {}
                (false, _, _) => credentials.insert(&field.key, value),
            }
        }
        match self.run_connect(&credentials) {
            Ok(_) => {
                self.entered = Some(credentials);
                Ok(Reply::Redirect("/connect".into()))
            }
            Err(StepError::Call { error, .. }) => {
                let mut error = error;
                error.message = self
                    .module
                    .secrets(&credentials)
                    .redact(&error.message)
                    .into_owned();
                self.connect_page(Some(&error), Some(&credentials))
            }
            Err(StepError::Store(error)) => Err(error),
            Err(other) => Ok(Reply::Error {
                status: 409,
                message: other.to_string(),
            }),
        }
    }

    /// Generates accounts and services again with the credentials in memory.
    fn refresh(&mut self) -> Result<Reply, StoreError> {
        let Some(credentials) = self.entered.clone() else {
            return Ok(Reply::Redirect("/connect".into()));
        };
        match self.run_connect(&credentials) {
            Ok(_) | Err(StepError::Call { .. }) => Ok(Reply::Redirect("/connect".into())),
            Err(StepError::Store(error)) => Err(error),
            Err(other) => Ok(Reply::Error {
                status: 409,
                message: other.to_string(),
            }),
        }
    }

    fn run_connect(&mut self, credentials: &Credentials) -> Result<steps::Connected, StepError> {
        let mut plugin = self.module.instantiate().map_err(|e| StepError::Call {
            call: "authenticate",
            error: PluginError::new(ErrorClass::Internal, e.to_string()),
        })?;
        let vendor_id = self.module.description().vendor.id.clone();
        steps::connect(
            &mut self.store,
            Calling {
                plugin: &mut plugin,
                credentials,
                secret_fields: self.module.secret_fields(),
                vendor_id: &vendor_id,
            },
            &now_rfc3339(),
        )
    }

    fn accounts_page(&self, query: &Form) -> Result<Reply, StoreError> {
        let (psa, _) = self.store.psa()?.unwrap_or_default();
        Ok(Reply::Page(pages::accounts(
            &self.context()?,
            query.get("show"),
            &lists::psa_accounts(&psa, &lists::Query::of(query, "q", "p")),
            &lists::vendor_accounts(
                &self.store.mapping()?,
                &psa,
                &lists::Query::of(query, "vq", "vp"),
                query.get("show"),
                self.guard.csrf_token(),
            ),
        )))
    }

    fn psa_accounts_list(&self, query: &Form) -> Result<Reply, StoreError> {
        let (psa, _) = self.store.psa()?.unwrap_or_default();
        Ok(Reply::Page(lists::psa_accounts(
            &psa,
            &lists::Query::of(query, "q", "p"),
        )))
    }

    fn vendor_accounts_list(&self, query: &Form) -> Result<Reply, StoreError> {
        let (psa, _) = self.store.psa()?.unwrap_or_default();
        Ok(Reply::Page(lists::vendor_accounts(
            &self.store.mapping()?,
            &psa,
            &lists::Query::of(query, "vq", "vp"),
            query.get("show"),
            self.guard.csrf_token(),
        )))
    }

    fn services_page(&self, query: &Form) -> Result<Reply, StoreError> {
        let (psa, _) = self.store.psa()?.unwrap_or_default();
        let mapping = self.store.mapping()?;
        Ok(Reply::Page(pages::services(
            &self.context()?,
            &lists::psa_products(&psa, &lists::Query::of(query, "q", "p")),
            &lists::vendor_services(&mapping, &psa, self.guard.csrf_token()),
            mapping.is_finished(),
        )))
    }

    fn psa_products_list(&self, query: &Form) -> Result<Reply, StoreError> {
        let (psa, _) = self.store.psa()?.unwrap_or_default();
        Ok(Reply::Page(lists::psa_products(
            &psa,
            &lists::Query::of(query, "q", "p"),
        )))
    }

    /// Applies one mapping edit from a form, then goes back to the page it came from.
    fn edit_mapping(&mut self, form: &Form) -> Result<Reply, StoreError> {
        let id = |key: &str| form.get(key).unwrap_or("").to_owned();
        let edit = match form.get("edit") {
            Some("map_account") => Edit::MapAccount {
                vendor_account_id: id("vendor_account_id"),
                psa_account_id: id("psa_account_id"),
            },
            Some("unmap_account") => Edit::UnmapAccount {
                vendor_account_id: id("vendor_account_id"),
            },
            Some("exclude_account") => Edit::ExcludeAccount {
                vendor_account_id: id("vendor_account_id"),
            },
            Some("map_service") => Edit::MapService {
                service_id: id("service_id"),
                psa_product_id: id("psa_product_id"),
            },
            Some("unmap_service") => Edit::UnmapService {
                service_id: id("service_id"),
            },
            _ => {
                return Ok(Reply::Error {
                    status: 400,
                    message: "unknown mapping edit".into(),
                })
            }
        };
        if let Err(refused) = self.store.edit_mapping(&edit)? {
            return Ok(Reply::Error {
                status: 409,
                message: refused.to_string(),
            });
        }
        Ok(Reply::Redirect(back_to(form.get("back"))))
    }

    fn start_sync(&mut self) -> Result<Reply, StoreError> {
        let Some(credentials) = self.entered.clone() else {
            return Ok(Reply::Redirect("/connect".into()));
        };
        if !self.store.mapping()?.is_finished() {
            return Ok(Reply::Error {
                status: 409,
                message: StepError::MappingNotFinished.to_string(),
            });
        }
        let plugin = match self.module.instantiate() {
            Ok(plugin) => plugin,
            Err(error) => {
                return Ok(Reply::Error {
                    status: 500,
                    message: error.to_string(),
                })
            }
        };
        let store = Store::open(&self.store_path)?;
        let secrets: Secrets = self.module.secrets(&credentials);
        self.job
            .start(store, plugin, credentials, secrets, now_rfc3339());
        Ok(Reply::Redirect("/sync".into()))
    }

    fn review_page(&self, query: &Form) -> Result<Reply, StoreError> {
        let sync = match query.get("sync").and_then(|s| s.parse().ok()) {
            Some(id) => self.store.sync(id)?,
            None => self.store.last_review()?,
        };
        let (psa, _) = self.store.psa()?.unwrap_or_default();
        Ok(Reply::Page(pages::review(
            &self.context()?,
            sync.as_ref(),
            &psa,
            &pages::ReviewView::of(query),
        )))
    }

    fn approve(&mut self, form: &Form) -> Result<Reply, StoreError> {
        let Some(sync_id) = form.get("sync").and_then(|s| s.parse().ok()) else {
            return Ok(Reply::Error {
                status: 400,
                message: "which sync's review?".into(),
            });
        };
        let lines: Result<Vec<PsaLine>, NotAKey> =
            form.all("line").iter().map(|key| key.parse()).collect();
        let lines = match lines {
            Ok(lines) => lines,
            Err(not_a_key) => {
                return Ok(Reply::Error {
                    status: 400,
                    message: not_a_key.to_string(),
                })
            }
        };
        let choice = match (form.get("all"), &lines[..]) {
            (Some(_), _) => Choice::All,
            (None, []) => {
                return Ok(Reply::Error {
                    status: 400,
                    message: "select at least one line to approve".into(),
                })
            }
            (None, lines) => Choice::Lines(lines),
        };
        match self.store.approve(sync_id, choice, &now_rfc3339(), &|_| {}) {
            Ok(row) => Ok(Reply::Redirect(format!("/approvals/{}", row.id))),
            Err(ApprovalError::Store(error)) => Err(error),
            Err(refused) => Ok(Reply::Error {
                status: 409,
                message: refused.to_string(),
            }),
        }
    }

    fn approval(&self, rest: &str) -> Result<Reply, StoreError> {
        let (id, file) = rest.split_once('/').unwrap_or((rest, ""));
        let Some(row) = id
            .parse()
            .ok()
            .map(|id| self.store.approval(id))
            .transpose()?
            .flatten()
        else {
            return Ok(Reply::Error {
                status: 404,
                message: "no such approval".into(),
            });
        };
        let files = change_set_files(&row.approval.change_set);
        let (json, csv) = match files {
            Ok(files) => files,
            Err(error) => {
                return Ok(Reply::Error {
                    status: 500,
                    message: error.to_string(),
                })
            }
        };
        Ok(match file {
            "changes.json" => Reply::Download {
                name: "changes.json",
                content_type: "application/json",
                bytes: json,
            },
            "changes.csv" => Reply::Download {
                name: "changes.csv",
                content_type: "text/csv; charset=utf-8",
                bytes: csv,
            },
            "" => Reply::Page(pages::approval(&self.context()?, &row)),
            _ => Reply::Error {
                status: 404,
                message: "no such file".into(),
            },
        })
    }

    fn history_page(&self) -> Result<Reply, StoreError> {
        Ok(Reply::Page(pages::history(
            &self.context()?,
            &self.store.syncs()?,
            &self.store.approvals()?,
        )))
    }
}

/// Returns the page a form came back to: one of this server's own paths, else `/`.
fn back_to(back: Option<&str>) -> String {
    match back {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && path.bytes().all(|b| b.is_ascii_graphic() && b != b'\\') =>
        {
            path.to_owned()
        }
        _ => "/".into(),
    }
}

/// Adds the headers every response carries.
fn with_security<R: Read>(mut response: Response<R>) -> Response<R> {
    for h in security_headers() {
        response.add_header(h);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_form_goes_back_only_to_a_path_of_this_server() {
        assert_eq!(
            back_to(Some("/accounts?show=unmapped")),
            "/accounts?show=unmapped"
        );
        assert_eq!(back_to(Some("//evil.example/")), "/");
        assert_eq!(back_to(Some("https://evil.example/")), "/");
        assert_eq!(back_to(Some("/a\r\nSet-Cookie: x")), "/");
        assert_eq!(back_to(None), "/");
    }
}
