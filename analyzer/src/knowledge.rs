//! Facts about the Node.js ecosystem that the model uses to decide execution contexts and
//! call effects. Data, not code paths: extend the tables, not the matchers.

/// How a callee treats a function handed to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum CallbackKind {
    /// Called synchronously before the callee returns (`map`, `forEach`, `new Promise(executor)`).
    Sync,
    /// Called later, once per run of the code that registered it (`then`, `once`, a Node
    /// callback-style API, `listen(port, cb)`): it belongs to whatever ran the registration.
    Once,
    /// Called later and repeatedly while the server runs (route handlers, `.on` listeners,
    /// timers, `http.createServer`): an event-loop entry point.
    Repeated,
    /// A callee loopsafe knows nothing about.
    Unknown,
}

/// Methods that call their function argument synchronously.
pub const SYNC_CALLBACK_METHODS: &[&str] = &[
    "map",
    "forEach",
    "filter",
    "reduce",
    "reduceRight",
    "some",
    "every",
    "find",
    "findIndex",
    "findLast",
    "findLastIndex",
    "flatMap",
    "sort",
    "toSorted",
    "replace",
    "replaceAll",
    "from",
];

/// Modules whose exported functions call their callbacks synchronously (lodash-style helpers).
pub const SYNC_CALLBACK_MODULES: &[&str] = &["lodash", "underscore", "lodash/fp", "ramda", "lodash-es"];

/// Methods that register a listener called on every event.
pub const LISTENER_METHODS: &[&str] =
    &["on", "addListener", "prependListener", "addEventListener", "subscribe", "addHook"];

/// Methods that register a listener called once, or continue a promise chain.
pub const ONCE_METHODS: &[&str] = &["once", "prependOnceListener", "then", "catch", "finally", "listen"];

/// Route registration methods (Express, Koa router, Fastify, Hapi-style): every function argument
/// is a request handler or middleware.
pub const ROUTE_METHODS: &[&str] = &["get", "post", "put", "patch", "delete", "del", "all", "use", "head", "options"];

/// Global functions that run their callback later and while the server is serving.
pub const REPEATED_GLOBALS: &[&str] = &["setTimeout", "setInterval", "setImmediate"];
/// Global functions that run their callback once, soon.
pub const ONCE_GLOBALS: &[&str] = &["queueMicrotask"];

/// Node core functions whose callback is a per-connection/request handler.
pub const SERVER_FACTORIES: &[(&str, &str)] = &[
    ("http", "createServer"),
    ("https", "createServer"),
    ("http2", "createServer"),
    ("http2", "createSecureServer"),
    ("net", "createServer"),
    ("tls", "createServer"),
    ("dgram", "createSocket"),
];

/// Node's built-in modules (without the `node:` prefix).
pub const NODE_BUILTINS: &[&str] = &[
    "assert",
    "async_hooks",
    "buffer",
    "child_process",
    "cluster",
    "console",
    "crypto",
    "dgram",
    "dns",
    "dns/promises",
    "events",
    "fs",
    "fs/promises",
    "http",
    "http2",
    "https",
    "net",
    "os",
    "path",
    "perf_hooks",
    "process",
    "querystring",
    "readline",
    "stream",
    "stream/promises",
    "string_decoder",
    "timers",
    "timers/promises",
    "tls",
    "url",
    "util",
    "v8",
    "vm",
    "worker_threads",
    "zlib",
];

/// Parameter lists that mark a request handler whatever registers it:
/// Express/Connect `(req, res)`, Koa `(ctx, next)`, Fastify/Hapi `(request, reply|h)`.
pub const HANDLER_PARAMS: &[(&str, &[&str])] =
    &[("req", &["res", "resp", "response"]), ("request", &["reply", "response", "res", "h"]), ("ctx", &["next"])];

/// Method decorators that make a class method an event-loop entry point (NestJS and friends).
pub const ENTRY_METHOD_DECORATORS: &[&str] = &[
    "Get",
    "Post",
    "Put",
    "Patch",
    "Delete",
    "All",
    "Head",
    "Options",
    "Sse",
    "MessagePattern",
    "EventPattern",
    "SubscribeMessage",
    "Cron",
    "Interval",
    "Timeout",
    "OnEvent",
    "Process",
    "Query",
    "Mutation",
    "Subscription",
    "ResolveField",
    "OnQueueActive",
    "Processor",
];

/// Class decorators whose classes serve requests: all their methods but the constructor run on the
/// event loop.
pub const ENTRY_CLASS_DECORATORS: &[&str] =
    &["Controller", "Injectable", "Resolver", "WebSocketGateway", "Processor", "Service"];

/// Global objects that are process-level: their listeners (`process.on('exit')`, signals) run at
/// shutdown, where blocking is expected (exit handlers must be synchronous).
pub const PROCESS_GLOBAL: &str = "process";

/// Normalize a module specifier: strip `node:`, fold `fs.promises` style paths.
pub fn normalize_module(spec: &str) -> &str {
    spec.strip_prefix("node:").unwrap_or(spec)
}

pub fn is_node_builtin(module: &str) -> bool {
    NODE_BUILTINS.contains(&module)
}

pub fn is_relative(module: &str) -> bool {
    module.starts_with("./") || module.starts_with("../") || module == "." || module == ".."
}
