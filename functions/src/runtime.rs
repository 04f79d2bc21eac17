//! The Workers runtime layer: event entry points, bindings (D1, the rate
//! limiter, email, static assets) and the conversion of [`Reply`] values into
//! responses. Decisions are made by the host-tested modules; this layer only
//! gathers their inputs and carries out their verdicts.
//!
//! Log lines carry an event, an outcome code and, where one exists, a
//! correlation id. They never carry what a visitor sent or who they are:
//! no names, addresses, messages, IP addresses or user agents.

use futures_util::StreamExt;
use wasm_bindgen::prelude::wasm_bindgen;
use worker::{
    Context, Env, Fetch, Headers, Method, Request, RequestInit, Response, ScheduleContext,
    ScheduledEvent, console_error, console_log, event,
};

use crate::beacon::{self, BEACON_BODY_LIMIT, BEACON_PATH, BEACON_PREFIX, Event};
use crate::correlation::CorrelationId;
use crate::intake::{
    self, BodyFormat, CappedBody, LEAD_BODY_LIMIT, LEAD_PATH, ReplyFormat, RequestHead,
};
use crate::lead::{self, Lead, Submission};
use crate::problem::Problem;
use crate::rate_limit;
use crate::reply::Reply;
use crate::retention;
use crate::settings::{FALLBACK_CONTACT_EMAIL, Settings, SettingsError};

/// D1 database binding holding the `leads` table.
const DB_BINDING: &str = "DB";
/// Rate-limiting binding for lead submissions.
const RATE_LIMIT_BINDING: &str = "LEAD_RATE_LIMITER";
/// Optional `send_email` binding for lead notifications.
const NOTIFY_BINDING: &str = "LEAD_NOTIFY";
/// Workers Static Assets binding serving the site bundle.
const ASSETS_BINDING: &str = "ASSETS";

const INSERT_LEAD: &str = "INSERT INTO leads (id, received_at, data_class, name, email, company, message) \
     VALUES (?1, ?2, 'pii', ?3, ?4, ?5, ?6)";

#[wasm_bindgen]
extern "C" {
    /// `crypto.getRandomValues`, the runtime's CSPRNG.
    #[wasm_bindgen(js_namespace = crypto, js_name = getRandomValues)]
    fn get_random_values(buffer: &mut [u8]);
}

fn new_correlation_id() -> CorrelationId {
    let mut bytes = [0u8; 16];
    get_random_values(&mut bytes);
    CorrelationId::from_bytes(bytes)
}

fn now_millis() -> u64 {
    worker::Date::now().as_millis()
}

#[event(fetch)]
async fn fetch(req: Request, env: Env, ctx: Context) -> worker::Result<Response> {
    let path = req.path();
    let format = if path == LEAD_PATH {
        head_reply_format(&req)
    } else if path.starts_with(BEACON_PREFIX) {
        ReplyFormat::Json
    } else {
        ReplyFormat::Html
    };
    let settings = Settings::from_vars(|name| env.var(name).ok().map(|v| v.to_string()));
    let contact_email = settings
        .as_ref()
        .map_or(FALLBACK_CONTACT_EMAIL, |settings| {
            settings.contact_email.as_str()
        })
        .to_owned();
    match route(req, &path, &env, &ctx, settings).await {
        Ok(response) => Ok(response),
        Err(_) => {
            // The runtime error may quote request data, so only its
            // existence is logged, with the id the visitor sees.
            let id = new_correlation_id();
            console_error!("request outcome=internal_error id={id}");
            into_response(Reply::problem(
                &Problem::Internal(id),
                format,
                &contact_email,
            ))
        }
    }
}

async fn route(
    req: Request,
    path: &str,
    env: &Env,
    ctx: &Context,
    settings: Result<Settings, SettingsError>,
) -> worker::Result<Response> {
    if path != LEAD_PATH && !path.starts_with(BEACON_PREFIX) {
        // Only reached when the assets layer hands over a request it has no
        // file for; let it apply its own not-found handling.
        return env.assets(ASSETS_BINDING)?.fetch_request(req).await;
    }
    let settings = settings.map_err(|error| {
        console_error!("config outcome=invalid detail={error}");
        worker::Error::RustError("invalid configuration".to_owned())
    })?;
    let reply = if path == LEAD_PATH {
        handle_lead(req, env, ctx, &settings).await?
    } else {
        handle_beacon(req, path, &settings).await?
    };
    into_response(reply)
}

fn head_reply_format(req: &Request) -> ReplyFormat {
    let headers = req.headers();
    let content_type = headers.get("content-type").ok().flatten();
    let accept = headers.get("accept").ok().flatten();
    intake::reply_format(content_type.as_deref(), accept.as_deref())
}

/// Header values the pre-body checks read, owned so a [`RequestHead`] can
/// borrow them.
struct HeadValues {
    method: String,
    content_length: Option<String>,
    content_type: Option<String>,
    accept: Option<String>,
    origin: Option<String>,
    referer: Option<String>,
    connecting_ip: Option<String>,
    user_agent: Option<String>,
    url: worker::Url,
}

impl HeadValues {
    fn read(req: &Request) -> worker::Result<Self> {
        let headers = req.headers();
        let get = |name: &str| headers.get(name).ok().flatten();
        Ok(Self {
            method: req.method().to_string(),
            content_length: get("content-length"),
            content_type: get("content-type"),
            accept: get("accept"),
            origin: get("origin"),
            referer: get("referer"),
            connecting_ip: get("cf-connecting-ip"),
            user_agent: get("user-agent"),
            url: req.url()?,
        })
    }

    fn head(&self) -> RequestHead<'_> {
        RequestHead {
            method: &self.method,
            content_length: self.content_length.as_deref(),
            content_type: self.content_type.as_deref(),
            accept: self.accept.as_deref(),
            origin: self.origin.as_deref(),
            referer: self.referer.as_deref(),
            url: &self.url,
        }
    }
}

/// Reads the body, refusing it as soon as it passes `limit` bytes.
async fn read_capped(req: &mut Request, limit: usize) -> worker::Result<Result<Vec<u8>, Problem>> {
    if req.inner().body().is_none() {
        return Ok(Ok(Vec::new()));
    }
    let mut body = CappedBody::new(limit);
    let mut stream = req.stream()?;
    while let Some(chunk) = stream.next().await {
        if let Err(problem) = body.push(&chunk?) {
            return Ok(Err(problem));
        }
    }
    Ok(Ok(body.into_bytes()))
}

async fn handle_lead(
    mut req: Request,
    env: &Env,
    ctx: &Context,
    settings: &Settings,
) -> worker::Result<Reply> {
    let values = HeadValues::read(&req)?;
    let head = values.head();
    let format = head.reply_format();
    let refuse = |problem: Problem| {
        console_log!("lead outcome={}", problem.code());
        Reply::problem(&problem, format, &settings.contact_email)
    };

    let body_format = match intake::check_lead_head(&head, &settings.site_origin) {
        Ok(body_format) => body_format,
        Err(problem) => return Ok(refuse(problem)),
    };
    let body = match read_capped(&mut req, LEAD_BODY_LIMIT).await? {
        Ok(body) => body,
        Err(problem) => return Ok(refuse(problem)),
    };
    let decoded = match body_format {
        BodyFormat::Form => lead::decode_form(&body),
        BodyFormat::Json => lead::decode_json(&body),
    };
    let Ok(raw) = decoded else {
        return Ok(refuse(Problem::MalformedBody));
    };
    let lead = match lead::validate(&raw) {
        Ok(Submission::Lead(lead)) => lead,
        Ok(Submission::Bot) => {
            // A bot gets the answer a person would, with an id that leads
            // nowhere, and nothing is stored.
            console_log!("lead outcome=honeypot");
            return Ok(Reply::lead_received(new_correlation_id(), format));
        }
        Err(problems) => return Ok(refuse(Problem::InvalidFields(problems))),
    };

    let key = rate_limit::client_key(values.connecting_ip.as_deref());
    match env.rate_limiter(RATE_LIMIT_BINDING) {
        Ok(limiter) => match limiter.limit(key).await {
            Ok(outcome) if !outcome.success => return Ok(refuse(Problem::RateLimited)),
            Ok(_) => {}
            // Losing a genuine lead costs more than letting a few extra
            // submissions through while the limiter is down.
            Err(_) => console_error!("rate_limit outcome=unavailable"),
        },
        Err(_) => console_error!("rate_limit outcome=unbound"),
    }

    let id = new_correlation_id();
    let received_at = retention::format_timestamp(now_millis());
    if store_lead(env, id, &received_at, &lead).await.is_err() {
        console_error!("lead outcome=storage_unavailable id={id}");
        return Ok(Reply::problem(
            &Problem::StorageUnavailable(id),
            format,
            &settings.contact_email,
        ));
    }
    console_log!("lead outcome=stored id={id}");

    if let Some(from) = settings.notify_from.clone() {
        let env = env.clone();
        let to = settings.contact_email.clone();
        ctx.wait_until(async move { notify(&env, &from, &to, id, &received_at).await });
    }
    Ok(Reply::lead_received(id, format))
}

async fn store_lead(
    env: &Env,
    id: CorrelationId,
    received_at: &str,
    lead: &Lead,
) -> worker::Result<()> {
    let company = lead
        .company
        .as_deref()
        .map_or(wasm_bindgen::JsValue::NULL, wasm_bindgen::JsValue::from);
    env.d1(DB_BINDING)?
        .prepare(INSERT_LEAD)
        .bind(&[
            id.to_string().into(),
            received_at.into(),
            lead.name.as_str().into(),
            lead.email.as_str().into(),
            company,
            lead.message.as_str().into(),
        ])?
        .run()
        .await?;
    Ok(())
}

/// Tells sales a lead arrived. The mail holds only the correlation id and
/// time: the lead itself stays in D1 rather than being copied into inboxes.
async fn notify(env: &Env, from: &str, to: &str, id: CorrelationId, received_at: &str) {
    let Ok(mailer) = env.send_email(NOTIFY_BINDING) else {
        console_log!("notify outcome=unbound id={id}");
        return;
    };
    let text = format!(
        "A new lead was received at {received_at}.\n\nCorrelation id: {id}\n\n\
         Read it with `leads show {id}` of the site toolkit; the read is recorded.\n"
    );
    let message = worker::SendEmailBuilder::builder(from, to, "New BayStore lead")
        .text(&text)
        .build();
    match mailer.send_with_builder(&message).await {
        Ok(_) => console_log!("notify outcome=sent id={id}"),
        Err(_) => console_error!("notify outcome=failed id={id}"),
    }
}

async fn handle_beacon(mut req: Request, path: &str, settings: &Settings) -> worker::Result<Reply> {
    let refuse = |problem: Problem| {
        console_log!("beacon outcome={}", problem.code());
        Reply::problem(&problem, ReplyFormat::Json, &settings.contact_email)
    };
    if path != BEACON_PATH {
        return Ok(refuse(Problem::NotFound));
    }
    let values = HeadValues::read(&req)?;
    if let Err(problem) = beacon::check_beacon_head(&values.head(), &settings.site_origin) {
        return Ok(refuse(problem));
    }
    let body = match read_capped(&mut req, BEACON_BODY_LIMIT).await? {
        Ok(body) => body,
        Err(problem) => return Ok(refuse(problem)),
    };
    let Ok(event) = Event::parse(&body) else {
        return Ok(refuse(Problem::MalformedBody));
    };
    let Some(upstream) = &settings.analytics_upstream else {
        console_log!("beacon outcome=dropped");
        return Ok(Reply::empty(204));
    };

    let headers = Headers::new();
    for (name, value) in beacon::upstream_headers(
        values.connecting_ip.as_deref(),
        values.user_agent.as_deref(),
    ) {
        headers.set(name, &value)?;
    }
    let mut init = RequestInit::new();
    init.with_method(Method::Post)
        .with_headers(headers)
        .with_body(Some(event.to_json().into()));
    let forwarded = Request::new_with_init(upstream.as_str(), &init)?;
    let status = match Fetch::Request(forwarded).send().await {
        Ok(response) => beacon::visitor_status(response.status_code()),
        Err(_) => Err(Problem::UpstreamFailed),
    };
    Ok(match status {
        Ok(status) => {
            console_log!("beacon outcome=forwarded");
            Reply::empty(status)
        }
        Err(problem) => refuse(problem),
    })
}

fn into_response(reply: Reply) -> worker::Result<Response> {
    let headers = Headers::new();
    for (name, value) in &reply.headers {
        headers.set(name, value)?;
    }
    let builder = Response::builder()
        .with_status(reply.status)
        .with_headers(headers);
    Ok(if reply.body.is_empty() {
        builder.empty()
    } else {
        builder.fixed(reply.body.into_bytes())
    })
}

#[event(scheduled)]
async fn scheduled(_event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    let settings = match Settings::from_vars(|name| env.var(name).ok().map(|v| v.to_string())) {
        Ok(settings) => settings,
        Err(error) => {
            console_error!("retention outcome=config_invalid detail={error}");
            return;
        }
    };
    let plan = retention::purge_plan(
        now_millis(),
        settings.retention_days,
        settings.audit_retention_days,
    );
    // One id for the run: its three lead_events rows share it.
    let id = new_correlation_id();
    match purge(&env, id, &plan).await {
        Ok([leads, tombstones, events]) => console_log!(
            "retention outcome=purged count={leads} tombstones={tombstones} events={events} id={id}"
        ),
        Err(_) => console_error!("retention outcome=failed id={id}"),
    }
}

/// Runs the purge as one D1 batch (a single transaction): for each target,
/// the `lead_events` row with the count and cut-off, then the delete.
/// Returns how many rows each delete removed.
async fn purge(
    env: &Env,
    id: CorrelationId,
    plan: &retention::PurgePlan,
) -> worker::Result<[usize; 3]> {
    let db = env.d1(DB_BINDING)?;
    let id = id.to_string();
    let mut statements = Vec::with_capacity(2 * plan.steps.len());
    for (target, cutoff) in &plan.steps {
        statements.push(db.prepare(target.record_statement()).bind(&[
            id.as_str().into(),
            cutoff.as_str().into(),
            plan.occurred_at.as_str().into(),
        ])?);
        statements.push(
            db.prepare(target.delete_statement())
                .bind(&[cutoff.as_str().into()])?,
        );
    }
    let results = db.batch(statements).await?;
    let mut counts = [0; 3];
    for (count, deleted) in counts.iter_mut().zip(results.iter().skip(1).step_by(2)) {
        *count = deleted.meta()?.and_then(|meta| meta.changes).unwrap_or(0);
    }
    Ok(counts)
}
