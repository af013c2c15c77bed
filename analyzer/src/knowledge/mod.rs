//! Facts about the Node.js ecosystem that the model uses to decide execution contexts, call
//! effects, orderings, collection sizes and stores. Data, not code paths: extend the tables, not
//! the matchers.

pub mod fan_out;
pub mod ordering;
pub mod stores;

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

/// Packages whose servers and routers take middleware with `use` (`app.use((req, res, next) => …)`).
pub const MIDDLEWARE_HOSTS: &[&str] = &[
    "express",
    "koa",
    "connect",
    "restify",
    "polka",
    "router",
    "koa-router",
    "@koa/router",
    "fastify",
    "hono",
    "h3",
    "socket.io",
    "@nestjs/common",
];

/// Whether `x.use(fn)` on what `package` made registers middleware (see [`MIDDLEWARE_HOSTS`]).
pub fn is_middleware_host(package: &str) -> bool {
    MIDDLEWARE_HOSTS.contains(&normalize_module(package))
}

/// Array methods that test what their callback returns at once (`views.filter(isV2)`).
pub const PREDICATE_METHODS: &[&str] =
    &["filter", "some", "every", "find", "findIndex", "findLast", "findLastIndex", "sort", "toSorted"];

/// Methods that change the object they are called on (arrays, maps, sets): `seen.add(id)`.
pub const MUTATING_METHODS: &[&str] = &[
    "push",
    "pop",
    "shift",
    "unshift",
    "splice",
    "sort",
    "reverse",
    "fill",
    "copyWithin",
    "set",
    "add",
    "delete",
    "clear",
];

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

/// A list of names the configuration adds to a built-in table (`knowledge.*` in loopsafe.json),
/// set once per run and read by every thread.
pub struct ExtraNames(std::sync::RwLock<Vec<String>>);

impl ExtraNames {
    const fn new() -> Self {
        ExtraNames(std::sync::RwLock::new(Vec::new()))
    }

    pub fn set(&self, names: Vec<String>) {
        *self.0.write().unwrap_or_else(|e| e.into_inner()) = names;
    }

    pub fn contains(&self, name: &str) -> bool {
        self.0.read().unwrap_or_else(|e| e.into_inner()).iter().any(|m| m == name)
    }
}

/// Method names added as event-loop entry points (`knowledge.entryPoints`).
pub static EXTRA_ENTRY_METHODS: ExtraNames = ExtraNames::new();
/// Modules added as concurrency limiters (`knowledge.limiters`): a call of anything they export,
/// or of what their factories return, bounds the work handed to it.
pub static EXTRA_LIMITERS: ExtraNames = ExtraNames::new();
/// Method names added as transaction or lock wrappers (`knowledge.transactionWrappers`): their
/// callback runs inside a transaction.
pub static EXTRA_TRANSACTION_WRAPPERS: ExtraNames = ExtraNames::new();

/// Route registration methods (Express, Koa router, Fastify, Hapi-style): every function argument
/// is a request handler or middleware.
pub const ROUTE_METHODS: &[&str] = &["get", "post", "put", "patch", "delete", "del", "all", "use", "head", "options"];

/// HTTP methods, as a router that takes the method as a string names them
/// (`this.route('GET', '/users', handler)`).
pub const HTTP_METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ALL"];

/// Global functions that run their callback later and while the server is serving.
pub const REPEATED_GLOBALS: &[&str] = &["setInterval"];
/// Global functions that run their callback once, soon.
pub const ONCE_GLOBALS: &[&str] = &["queueMicrotask", "setTimeout", "setImmediate"];

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

/// Package functions that call a function argument on every tick, job or message: schedulers and
/// job queues (`cron.schedule('* * * * *', fn)`, `new Worker('mail', fn)` of BullMQ). Matched
/// on the module and the whole member path (`new X()` is the path `X`).
pub const REPEATED_APIS: &[(&str, &str)] = &[
    ("node-cron", "schedule"),
    ("node-schedule", "scheduleJob"),
    ("cron", "CronJob"),
    ("cron", "CronJob.from"),
    ("bullmq", "Worker"),
    ("toad-scheduler", "Task"),
    ("toad-scheduler", "AsyncTask"),
];

/// Passport's per-request callbacks: a strategy's verify function (`new LocalStrategy(verify)`
/// from any `passport-*` module) runs on every log-in or authenticated request, and the session
/// (de)serializers (`passport.deserializeUser(fn)`) on every request with a session.
pub fn is_auth_callback_api(module: &str, whole: &str, is_new: bool) -> bool {
    // `require('passport-local')` is the strategy class itself, also as its `.Strategy`
    (is_new
        && module.starts_with("passport-")
        && (whole.is_empty() || whole.rsplit('.').next().is_some_and(|l| l.ends_with("Strategy"))))
        || (module == "passport" && matches!(whole, "deserializeUser" | "serializeUser"))
}

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
    "OnEvent",
    "Process",
    "Query",
    "Mutation",
    "Subscription",
    "ResolveField",
    "OnQueueActive",
    "Processor",
];

/// Words (whole camelCase words) that name an authorization middleware or guard in a route's
/// registration (`router.get('/x', isAdmin, handler)`, `authorized(BUILDER)`,
/// `passport.authenticate('jwt')`, `needsPermission('flows.read')`, `@UseGuards(AuthGuard)`):
/// such a route serves the few users allowed in, not every visitor.
pub const GUARD_WORDS: &[&str] = &[
    "auth",
    "authenticate",
    "authenticated",
    "authorize",
    "authorized",
    "admin",
    "permission",
    "permissions",
    "role",
    "roles",
    "guard",
    "guards",
    "protect",
    "protected",
    "logged",
    "restrict",
    "restricted",
    "acl",
    "rbac",
    "jwt",
    "builder",
    "owner",
    "superuser",
    "staff",
];

/// Words naming who operates an application rather than uses it: a route guarded by them
/// (`isAdmin`, `requireSuperuser`, `authorized(BUILDER)`, `adminRouter`) serves a few people,
/// rarely.
pub const OPERATOR_WORDS: &[&str] =
    &["admin", "admins", "administrator", "superuser", "superadmin", "sysadmin", "builder", "builders", "staff"];

/// Whether a name says operators (see [`OPERATOR_WORDS`]).
pub fn is_operator_name(name: &str) -> bool {
    camel_words(name).any(|w| OPERATOR_WORDS.iter().any(|g| g.eq_ignore_ascii_case(w)))
}

/// Module interop helpers that compilers wrap `require` in; each returns the module it is handed
/// (or an object whose `default` is the module).
pub const INTEROP_HELPERS: &[&str] = &[
    "__importDefault",
    "__importStar",
    "__toESM",
    "_interopRequireDefault",
    "_interopRequireWildcard",
    "_interopDefaultCompat",
    "_interopDefault",
    "_interopNamespace",
    "_interopNamespaceCompat",
    "_interopNamespaceDefault",
    "__importWildcard",
];

/// Whether a middleware's name says it guards a route (see [`GUARD_WORDS`]).
pub fn is_guard_name(name: &str) -> bool {
    camel_words(name).any(|w| GUARD_WORDS.iter().any(|g| g.eq_ignore_ascii_case(w)))
}

/// Synchronous file-system calls that only touch metadata or one entry (`existsSync`,
/// `statSync`, `mkdirSync`, `unlinkSync`): they cost microseconds on a local disk. Reported only
/// where every visitor can reach them (see `blocking-call`); reading, writing and listing files,
/// processes, crypto and compression cost what their input costs and are reported wherever.
pub const LIGHT_SYNC_MEMBERS: &[&str] = &[
    "existsSync",
    "statSync",
    "lstatSync",
    "fstatSync",
    "accessSync",
    "realpathSync",
    "readlinkSync",
    "mkdirSync",
    "mkdtempSync",
    "unlinkSync",
    "rmdirSync",
    "renameSync",
    "chmodSync",
    "chownSync",
    "utimesSync",
    "closeSync",
    "openSync",
    "pathExistsSync",
    "ensureDirSync",
    "mkdirsSync",
    "mkdirpSync",
    "ensureFileSync",
    "removeSync",
    "rmSync",
    "symlinkSync",
    "linkSync",
    "truncateSync",
    "fsyncSync",
    "futimesSync",
    "lutimesSync",
    "opendirSync",
];

/// Whether a blocking API (as a message names it, `fs.existsSync`) only touches metadata.
pub fn is_light_sync(api: &str) -> bool {
    let (module, member) = api.rsplit_once('.').unwrap_or(("", api));
    (matches!(module, "fs" | "fs-extra" | "graceful-fs") && LIGHT_SYNC_MEMBERS.contains(&member))
        // a temporary file or directory: an open or a mkdir
        || module == "tmp"
}

/// Parameter decorators that hand a method the request's input (NestJS and friends).
pub const REQUEST_INPUT_DECORATORS: &[&str] = &["Body", "Query", "Param", "Headers", "UploadedFiles", "Args"];

/// Decorators that put a route behind a guard (NestJS `@UseGuards`, `@Roles`).
pub const GUARD_DECORATORS: &[&str] = &["UseGuards", "Roles", "Auth", "Authorized", "Permissions"];

/// Class decorators whose classes serve requests: all their methods but the constructor run on the
/// event loop.
pub const ENTRY_CLASS_DECORATORS: &[&str] = &["Controller", "Resolver", "WebSocketGateway", "Processor"];

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

/// Packages and Node modules of in-memory helpers (collections, strings, paths, dates,
/// validation): a call into them touches no store, whatever its name (`_.assign`, `path.join`,
/// `moment().set(…)`).
pub const IN_MEMORY_MODULES: &[&str] = &[
    "lodash",
    "lodash-es",
    "underscore",
    "ramda",
    "path",
    "util",
    "url",
    "querystring",
    "assert",
    "semver",
    "uuid",
    "moment",
    "moment-timezone",
    "dayjs",
    "date-fns",
    "luxon",
    "validator",
    "joi",
    "yup",
    "zod",
    "chalk",
    "debug",
    "ms",
    "bytes",
    "qs",
];

/// Tracing and error-reporting wrappers that run the callback they are handed and return its
/// value (`tracer.trace('getTable', async (span) => …)`): they add a span, no I/O of their own
/// that the caller waits on. (module prefix, methods)
pub const TRACING_WRAPPERS: &[(&str, &[&str])] = &[
    ("dd-trace", &["trace", "wrap"]),
    ("@opentelemetry/api", &["startActiveSpan", "with"]),
    ("@sentry/", &["startSpan", "startActiveSpan", "withScope", "withIsolationScope", "startSpanManual"]),
    ("newrelic", &["startSegment", "startBackgroundTransaction", "startWebTransaction"]),
    ("elastic-apm-node", &["startSpan"]),
];

/// Whether `module.…method` is one of [`TRACING_WRAPPERS`].
pub fn is_tracing_wrapper(module: &str, method: &str) -> bool {
    TRACING_WRAPPERS.iter().any(|(m, methods)| {
        let of = match module.strip_prefix(m) {
            Some(rest) => m.ends_with('/') || rest.is_empty() || rest.starts_with('/'),
            None => false,
        };
        of && methods.contains(&method)
    })
}

/// Methods of JavaScript's built-in prototypes (arrays, strings, numbers, dates, regular
/// expressions) that compute in memory: on a receiver nobody can name, these names are those.
/// Store verbs that share a name with an array method (`find`) are not here.
pub const BUILTIN_METHODS: &[&str] = &[
    "map",
    "filter",
    "reduce",
    "reduceRight",
    "some",
    "every",
    "includes",
    "indexOf",
    "lastIndexOf",
    "join",
    "slice",
    "splice",
    "concat",
    "flat",
    "flatMap",
    "forEach",
    "findIndex",
    "fill",
    "reverse",
    "sort",
    "toSorted",
    "at",
    "toString",
    "toLowerCase",
    "toUpperCase",
    "trim",
    "trimStart",
    "trimEnd",
    "startsWith",
    "endsWith",
    "split",
    "replace",
    "replaceAll",
    "padStart",
    "padEnd",
    "repeat",
    "charAt",
    "charCodeAt",
    "substring",
    "substr",
    "localeCompare",
    "normalize",
    "match",
    "matchAll",
    "test",
    "exec",
    "toFixed",
    "toPrecision",
    "toISOString",
    "toJSON",
    "getTime",
    "valueOf",
    "toLocaleString",
    "toLocaleDateString",
    "hasOwnProperty",
    "bind",
    // a fetched response's body readers: the round-trip is the `fetch`
    "json",
    "text",
    "arrayBuffer",
    "blob",
    "formData",
];

/// Words of a wrapper that runs the callback it is handed in a context (`doInTenantContext(id, fn)`,
/// `als.run(store, fn)` is named by its receiver, `runInScope`, `withSpan`): it adds context,
/// the callback's work is the caller's.
pub const CONTEXT_WRAPPER_WORDS: &[&str] = &["context", "scope", "span", "trace", "tracing"];

/// Words that name a datastore handle in an accessor (`getWorkspaceDB()`, `getClient()`,
/// `pool()`): the object it returns is a store's client, whatever package returned it.
pub const STORE_HANDLE_WORDS: &[&str] =
    &["db", "database", "client", "connection", "conn", "pool", "collection", "repository", "repo", "knex", "redis"];

/// Whether an accessor's name says it returns a datastore handle (see [`STORE_HANDLE_WORDS`]).
pub fn names_store_handle(name: &str) -> bool {
    camel_words(name).any(|w| STORE_HANDLE_WORDS.iter().any(|g| g.eq_ignore_ascii_case(w)))
}

/// Whether a module is one of [`IN_MEMORY_MODULES`] (or a part of one: `lodash/merge`,
/// `lodash.merge`).
pub fn is_in_memory_module(module: &str) -> bool {
    IN_MEMORY_MODULES.iter().any(|m| {
        module.strip_prefix(m).is_some_and(|rest| rest.is_empty() || rest.starts_with('/') || rest.starts_with('.'))
    })
}

pub fn is_relative(module: &str) -> bool {
    module.starts_with("./") || module.starts_with("../") || module == "." || module == ".."
}

/// What a call does to the outside world, judged from its name (and SQL text). Shared by the
/// rules that reason about ordering (`sequential-await`) and lost updates (`await-race`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Effect {
    /// Reads state: `get`, `find*`, `fetch`, `load`, `read*`, `list`, `count`, `SELECT`.
    Read,
    /// Changes state: `set`, `save`, `insert`, `update`, `delete`, `write*`, `send`, `mkdir`.
    Write,
    /// Takes a lock or mutex (`acquire`, `lock`, `SELECT … FOR UPDATE`).
    Lock,
    /// Releases one (`release`, `unlock`).
    Unlock,
    /// Waits on purpose (`sleep`, `delay`, `setTimeout` from `timers/promises`).
    Sleep,
    /// Starts, commits or rolls back a transaction, or runs a callback inside one.
    Transaction,
    /// An atomic read-modify-write (`$inc`, `INCR`, `findOneAndUpdate`, `increment`).
    Atomic,
    Unknown,
}

impl Effect {
    /// The effect of calling a function whose name says `named` and whose body does `body`: a
    /// body that writes, locks or pauses says more than the name; a body that only reads names
    /// a call the name left unknown.
    pub fn with_body(named: Effect, body: Effect) -> Effect {
        match body {
            Effect::Read if named == Effect::Unknown => Effect::Read,
            Effect::Read | Effect::Unknown => named,
            other => other,
        }
    }
}

/// What calling a function does, as a set: the effects of every call its body (and the
/// closures it defines) makes, followed into the functions it calls in any file of the project.
/// One computation for every rule (see `crate::project`), so a helper gets the same answer in its
/// own file and in another.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Effects(pub u16);

impl Effects {
    pub const NONE: Effects = Effects(0);
    pub const READ: Effects = Effects(1);
    pub const WRITE: Effects = Effects(1 << 1);
    pub const ATOMIC: Effects = Effects(1 << 2);
    pub const LOCK: Effects = Effects(1 << 3);
    pub const UNLOCK: Effects = Effects(1 << 4);
    pub const TRANSACTION: Effects = Effects(1 << 5);
    pub const SLEEP: Effects = Effects(1 << 6);
    /// Awaits or returns a call nobody can name (an SDK object's method): it may do anything.
    pub const OPAQUE: Effects = Effects(1 << 7);
    /// Changes state that outlives the call: module-level variables or `this` fields of its file.
    pub const STATE: Effects = Effects(1 << 8);
    /// Works with local resources: files, compression, hashing, child processes (no store).
    pub const LOCAL: Effects = Effects(1 << 9);
    /// Goes through a limiter (`limit(() => …)`, `queue.add(…)`): a bounded number at a time.
    pub const LIMITED: Effects = Effects(1 << 10);
    /// Returns, without waiting on it, what a call nobody can name gives (a synchronous wrapper,
    /// `isV2(view) { return helpers.isV2(view) }`): [`Effects::OPAQUE`] to a caller that awaits
    /// or returns the result, nothing to one that uses it at once (`if (isV2(view))`).
    pub const HANDS_BACK: Effects = Effects(1 << 11);
    /// Effects that fix an order: what runs before or after them must stay there.
    pub const ORDERING: Effects = Effects(
        Self::WRITE.0
            | Self::ATOMIC.0
            | Self::LOCK.0
            | Self::UNLOCK.0
            | Self::TRANSACTION.0
            | Self::SLEEP.0
            | Self::STATE.0,
    );
    /// Effects that reach a store or a remote service: a round-trip.
    pub const IO: Effects =
        Effects(Self::READ.0 | Self::WRITE.0 | Self::ATOMIC.0 | Self::LOCK.0 | Self::UNLOCK.0 | Self::TRANSACTION.0);

    pub fn of(e: Effect) -> Effects {
        match e {
            Effect::Read => Self::READ,
            Effect::Write => Self::WRITE,
            Effect::Atomic => Self::ATOMIC,
            Effect::Lock => Self::LOCK,
            Effect::Unlock => Self::UNLOCK,
            Effect::Transaction => Self::TRANSACTION,
            Effect::Sleep => Self::SLEEP,
            Effect::Unknown => Self::NONE,
        }
    }

    pub fn contains(self, other: Effects) -> bool {
        self.0 & other.0 == other.0
    }

    pub fn intersects(self, other: Effects) -> bool {
        self.0 & other.0 != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The effects a caller takes on through one call whose result it awaits or returns
    /// (`waits`) or uses at once: what the callee [hands back](Effects::HANDS_BACK) becomes
    /// [`Effects::OPAQUE`] or nothing.
    pub fn through_call(self, waits: bool) -> Effects {
        if !self.contains(Self::HANDS_BACK) {
            return self;
        }
        let rest = Effects(self.0 & !Self::HANDS_BACK.0);
        if waits {
            rest | Self::OPAQUE
        } else {
            rest
        }
    }

    /// Established reads only: it reads a store, and does nothing that orders it or that nobody
    /// can name.
    pub fn reads_only(self) -> bool {
        self.contains(Self::READ) && !self.intersects(Effects(Self::ORDERING.0 | Self::OPAQUE.0 | Self::LOCAL.0))
    }

    /// The strongest single effect in the set (for callers that think in one effect).
    pub fn strongest(self) -> Effect {
        for (bit, e) in [
            (Self::TRANSACTION, Effect::Transaction),
            (Self::LOCK, Effect::Lock),
            (Self::SLEEP, Effect::Sleep),
            (Self::UNLOCK, Effect::Unlock),
            (Self::WRITE, Effect::Write),
            (Self::STATE, Effect::Write),
            (Self::ATOMIC, Effect::Atomic),
            (Self::READ, Effect::Read),
        ] {
            if self.intersects(bit) {
                return e;
            }
        }
        Effect::Unknown
    }
}

impl std::ops::BitOr for Effects {
    type Output = Effects;
    fn bitor(self, o: Effects) -> Effects {
        Effects(self.0 | o.0)
    }
}

impl std::ops::BitOrAssign for Effects {
    fn bitor_assign(&mut self, o: Effects) {
        self.0 |= o.0;
    }
}

/// Name prefixes, matched on whole camelCase words (`getUser`, `find_one`, `readFile`).
pub const READ_WORDS: &[&str] = &[
    "get",
    "find",
    "fetch",
    "load",
    "read",
    "list",
    "count",
    "select",
    "search",
    "lookup",
    "exists",
    "has",
    "retrieve",
    "query",
    "scan",
    "aggregate",
    "hget",
    "hgetall",
    "mget",
    "smembers",
    "zrange",
    "lrange",
    "keys",
    "stat",
    "describe",
    "resolve",
    "check",
    "verify",
    "validate",
    "download",
    "head",
    "download",
    "collect",
    "compute",
    "calculate",
    "render",
    "parse",
    "is",
    "can",
    "lstat",
    "readdir",
    "access",
    "ttl",
    "scard",
];
pub const WRITE_WORDS: &[&str] = &[
    "set",
    "save",
    "insert",
    "update",
    "upsert",
    "delete",
    "remove",
    "destroy",
    "write",
    "send",
    "create",
    "put",
    "post",
    "patch",
    "add",
    "push",
    "append",
    "mkdir",
    "rm",
    "rmdir",
    "unlink",
    "rename",
    "copy",
    "move",
    "hset",
    "hdel",
    "del",
    "publish",
    "emit",
    "enqueue",
    "store",
    "persist",
    "replace",
    "truncate",
    "drop",
    "bulk",
    "lpush",
    "rpush",
    "sadd",
    "srem",
    "zadd",
    "zrem",
    "expire",
    "notify",
    "upload",
    "register",
    "assign",
    "apply",
    "mark",
    "reset",
    "clear",
    "flush",
    "record",
    "log",
    "track",
    "dispatch",
    "submit",
    "process",
    "execute",
    "exec",
    "run",
    "migrate",
    "seed",
    "import",
    "sync",
    "commit",
    "rollback",
    "restore",
    "archive",
    "cancel",
    "close",
    "end",
    "disconnect",
    "connect",
    "open",
    "chmod",
    "chown",
    "touch",
    "symlink",
    "link",
    "mset",
    "pexpire",
    "setex",
    "psetex",
    "lpop",
    "rpop",
    "spop",
    "getset",
    "getdel",
    "ack",
    "nack",
];
pub const LOCK_WORDS: &[&str] = &["acquire", "lock", "runExclusive", "waitForUnlock", "using"];
pub const UNLOCK_WORDS: &[&str] = &["release", "unlock"];
pub const SLEEP_WORDS: &[&str] = &["sleep", "delay", "wait", "pause", "backoff", "setTimeout", "throttle"];
pub const TRANSACTION_WORDS: &[&str] = &[
    "transaction",
    "$transaction",
    "startTransaction",
    "beginTransaction",
    "withTransaction",
    "begin",
    "startSession",
];
pub const ATOMIC_WORDS: &[&str] = &[
    "incr",
    "incrby",
    "incrbyfloat",
    "decr",
    "decrby",
    "hincrby",
    "hincrbyfloat",
    "zincrby",
    "increment",
    "decrement",
    "findOneAndUpdate",
    "findByIdAndUpdate",
    "findAndModify",
    "updateOne",
    "updateMany",
    "getAndIncrement",
    "compareAndSet",
    "cas",
];

/// The camelCase (or snake_case) words of a name: `withItemLock` → with, Item, Lock.
pub fn camel_words(name: &str) -> impl Iterator<Item = &str> {
    let b = name.as_bytes();
    let mut starts = vec![0];
    for i in 1..b.len() {
        if (b[i].is_ascii_uppercase() && !b[i - 1].is_ascii_uppercase()) || b[i - 1] == b'_' {
            starts.push(i);
        }
    }
    starts.push(b.len());
    (0..starts.len() - 1).map(move |k| name[starts[k]..starts[k + 1]].trim_matches('_')).filter(|w| !w.is_empty())
}

/// Whether a function of this name runs the callback it is handed in a serial scope: a
/// transaction, a lock, a session or one connection (`transaction`, `withLock`,
/// `runExclusive`, `withItemLock`, `inTransaction`).
pub fn runs_callback_serially(name: &str) -> bool {
    ordering::SERIAL_SCOPE_METHODS.iter().any(|w| name_has_word(name, w))
        || stores::PROTECTING_WRAPPERS.contains(&name)
        || camel_words(name).any(|w| {
            stores::PROTECTING_NAME_WORDS.iter().any(|x| x.eq_ignore_ascii_case(w))
                || fan_out::TRANSACTION_WRAPPER_WORDS.iter().any(|x| x.eq_ignore_ascii_case(w))
        })
        || EXTRA_TRANSACTION_WRAPPERS.contains(name)
}

/// Whether `name` is `word` or starts with `word` followed by an uppercase letter, `_` or a digit.
pub fn name_has_word(name: &str, word: &str) -> bool {
    if name.eq_ignore_ascii_case(word) {
        return true;
    }
    name.len() > word.len()
        && name.is_char_boundary(word.len())
        && name[..word.len()].eq_ignore_ascii_case(word)
        && name[word.len()..].starts_with(|c: char| c.is_ascii_uppercase() || c == '_' || c.is_ascii_digit())
}

/// The effect of calling a method with this name and (optional) first string argument.
pub fn effect_of(name: &str, first_string: Option<&str>) -> Effect {
    if let Some(sql) = first_string.map(str::trim_start) {
        if matches!(
            name,
            "query"
                | "execute"
                | "raw"
                | "run"
                | "all"
                | "one"
                | "none"
                | "any"
                | "many"
                | "oneOrNone"
                | "manyOrNone"
                | "result"
                | "exec"
        ) {
            if let Some(e) = sql_effect(sql) {
                return e;
            }
        }
    }
    if EXTRA_TRANSACTION_WRAPPERS.contains(name) {
        return Effect::Transaction;
    }
    let flags = word_flags(name);
    let exact_atomic = ATOMIC_WORDS.iter().any(|w| name.eq_ignore_ascii_case(w));
    if flags & TX != 0 {
        Effect::Transaction
    } else if flags & LOCK != 0 {
        Effect::Lock
    } else if flags & UNLOCK != 0 {
        Effect::Unlock
    } else if flags & SLEEP != 0 {
        Effect::Sleep
    } else if exact_atomic {
        Effect::Atomic
    } else if flags & READ != 0 {
        Effect::Read
    } else if flags & WRITE != 0 {
        Effect::Write
    } else if ordering::READ_COMMANDS.contains(&name) {
        // store commands that read without saying so (`zscore`, `scard`, `allDocs`)
        Effect::Read
    } else {
        Effect::Unknown
    }
}

const TX: u8 = 1;
const LOCK: u8 = 2;
const UNLOCK: u8 = 4;
const SLEEP: u8 = 8;
const READ: u8 = 16;
const WRITE: u8 = 32;

/// The effect word tables folded into one map: lowercase word → categories.
fn word_table() -> &'static rustc_hash::FxHashMap<String, u8> {
    static TABLE: std::sync::OnceLock<rustc_hash::FxHashMap<String, u8>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        let mut m = rustc_hash::FxHashMap::default();
        for (words, flag) in [
            (TRANSACTION_WORDS, TX),
            (LOCK_WORDS, LOCK),
            (UNLOCK_WORDS, UNLOCK),
            (SLEEP_WORDS, SLEEP),
            (READ_WORDS, READ),
            (WRITE_WORDS, WRITE),
        ] {
            for w in words {
                *m.entry(w.to_ascii_lowercase()).or_insert(0) |= flag;
            }
        }
        m
    })
}

/// The categories of every table word `name` has in the sense of [`name_has_word`]: each prefix
/// of `name` that ends where a new camelCase word, `_` or a digit starts (or at the end).
fn word_flags(name: &str) -> u8 {
    let table = word_table();
    let bytes = name.as_bytes();
    let mut buf = [0u8; 48];
    let mut flags = 0;
    for end in 1..=bytes.len().min(buf.len()) {
        let boundary = end == bytes.len() || matches!(bytes[end], b'A'..=b'Z' | b'_' | b'0'..=b'9');
        if !boundary || !name.is_char_boundary(end) {
            continue;
        }
        for (i, b) in bytes[..end].iter().enumerate() {
            buf[i] = b.to_ascii_lowercase();
        }
        if let Ok(prefix) = std::str::from_utf8(&buf[..end]) {
            if let Some(f) = table.get(prefix) {
                flags |= f;
            }
        }
    }
    flags
}

/// The effect of an SQL statement, from its first keyword.
pub fn sql_effect(sql: &str) -> Option<Effect> {
    let upper: String = sql.chars().take(400).collect::<String>().to_ascii_uppercase();
    let first = upper.split(|c: char| !c.is_ascii_alphabetic()).find(|w| !w.is_empty())?;
    Some(match first {
        "SELECT" | "WITH" | "SHOW" | "EXPLAIN" => {
            if upper.contains("FOR UPDATE") || upper.contains("FOR NO KEY UPDATE") || upper.contains("FOR SHARE") {
                Effect::Lock
            } else {
                Effect::Read
            }
        }
        "INSERT" | "UPDATE" | "DELETE" | "REPLACE" | "MERGE" | "UPSERT" | "CREATE" | "ALTER" | "DROP" | "TRUNCATE" => {
            Effect::Write
        }
        "BEGIN" | "START" | "COMMIT" | "ROLLBACK" | "SAVEPOINT" | "RELEASE" => Effect::Transaction,
        "LOCK" => Effect::Lock,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn effects_from_names_and_sql() {
        assert_eq!(effect_of("getUser", None), Effect::Read);
        assert_eq!(effect_of("findById", None), Effect::Read);
        assert_eq!(effect_of("save", None), Effect::Write);
        assert_eq!(effect_of("settings", None), Effect::Unknown);
        assert_eq!(effect_of("query", Some("  select * from t where id = $1")), Effect::Read);
        assert_eq!(effect_of("query", Some("SELECT * FROM t WHERE id = 1 FOR UPDATE")), Effect::Lock);
        assert_eq!(effect_of("query", Some("BEGIN")), Effect::Transaction);
        assert_eq!(effect_of("query", Some("UPDATE t SET n = n + 1")), Effect::Write);
        assert_eq!(effect_of("incr", None), Effect::Atomic);
        assert_eq!(effect_of("acquire", None), Effect::Lock);
        assert_eq!(effect_of("sleep", None), Effect::Sleep);
    }
}

/// Lifecycle methods that frameworks call at start-up or shutdown, never per request.
pub const LIFECYCLE_METHODS: &[&str] = &[
    "onModuleInit",
    "onApplicationBootstrap",
    "onModuleDestroy",
    "beforeApplicationShutdown",
    "onApplicationShutdown",
    "configure",
];

/// Words that name start-up work (`init`, `startServer`, `bootstrap`, `runMigrations` is not:
/// `migrate*` is). An exported async function so named is not an event-loop entry point by
/// itself; it is still judged where event-loop code calls it.
pub const STARTUP_NAME_WORDS: &[&str] = &[
    "init",
    "initialize",
    "setup",
    "start",
    "bootstrap",
    "boot",
    "main",
    "migrate",
    "configure",
    "install",
    "seed",
    "listen",
    "runServer",
    "register",
];

/// Events a server or client bound at start-up emits once, at the end or the start of its life:
/// their listeners are shutdown or start-up code.
pub const ONCE_EVENTS_OF_LONG_LIVED: &[&str] = &["close", "listening"];

/// Files that are tooling or scripts, never request-serving code: everything in them may block.
/// Matched against the file name (`gulpfile.js`, `vite.config.ts`) and its directories.
pub const STARTUP_FILE_NAMES: &[&str] =
    &["gulpfile", "gruntfile", "jakefile", "webpack.config", "rollup.config", "vite.config"];
pub const STARTUP_DIRS: &[&str] =
    &["scripts", "bin", "migrations", "migration", "seeds", "seeders", "seed", "loaders", "cli"];

/// Test files, by name (`users.test.ts`, `api.spec.js`) or directory.
pub const TEST_FILE_MARKERS: &[&str] = &[".test.", ".spec."];
pub const TEST_DIRS: &[&str] = &["__tests__", "test", "tests", "e2e", "__mocks__", "fixtures-test"];

/// A file's path with `/` separators, relative to its package (the nearest directory above it
/// with a `package.json`), else to the working directory when it lies below it: the directories
/// above the project (a checkout in `~/tests/app` or `/opt/bin/app`, a run started above it) say
/// nothing about its files.
fn project_path(path: &str) -> String {
    static CWD: std::sync::OnceLock<Option<std::path::PathBuf>> = std::sync::OnceLock::new();
    let cwd = CWD.get_or_init(|| std::env::current_dir().ok());
    let p = std::path::Path::new(path);
    let absolute = match cwd {
        Some(c) if p.is_relative() => c.join(p),
        _ => p.to_path_buf(),
    };
    let base = absolute.parent().and_then(package_root).or_else(|| cwd.clone());
    let base = base.map(|b| b.to_string_lossy().replace('\\', "/"));
    relative_to(&absolute.to_string_lossy(), base.as_deref())
}

/// The nearest directory at or above `dir` holding a `package.json` (looked up once per
/// directory).
fn package_root(dir: &std::path::Path) -> Option<std::path::PathBuf> {
    type Roots = std::sync::Mutex<rustc_hash::FxHashMap<std::path::PathBuf, Option<std::path::PathBuf>>>;
    static ROOTS: std::sync::OnceLock<Roots> = std::sync::OnceLock::new();
    let roots = ROOTS.get_or_init(Default::default);
    if let Some(found) = roots.lock().unwrap_or_else(|e| e.into_inner()).get(dir) {
        return found.clone();
    }
    let found =
        if dir.join("package.json").is_file() { Some(dir.to_path_buf()) } else { dir.parent().and_then(package_root) };
    roots.lock().unwrap_or_else(|e| e.into_inner()).insert(dir.to_path_buf(), found.clone());
    found
}

fn relative_to(path: &str, dir: Option<&str>) -> String {
    let path = path.replace('\\', "/");
    match dir.and_then(|d| path.strip_prefix(d.trim_end_matches('/'))).and_then(|rest| rest.strip_prefix('/')) {
        Some(rest) => rest.to_string(),
        None => path,
    }
}

/// The directories of a path, without the file name.
fn dirs_of(path: &str) -> impl Iterator<Item = &str> {
    let mut parts = path.split('/').collect::<Vec<_>>();
    parts.pop();
    parts.into_iter()
}

/// Methods that keep, compare or remove the functions they are given without running them
/// (`emitter.off('x', fn)`, `list.includes(fn)`, `Object.assign(target, { load })`).
pub const KEEPS_WHAT_IT_IS_GIVEN: &[&str] = &[
    "off",
    "removeListener",
    "removeEventListener",
    "removeAllListeners",
    "includes",
    "indexOf",
    "lastIndexOf",
    "has",
    "delete",
    "assign",
    "defineProperty",
    "defineProperties",
    "freeze",
];

/// Whether a call makes a file-system watcher (`chokidar.watch`, `fs.watch`, `node-watch`):
/// its listeners run when files change on disk.
pub fn is_file_watcher(module: &str, whole: &str) -> bool {
    matches!((module, whole), ("chokidar", "watch") | ("fs", "watch") | ("node-watch", "") | ("node-watch", "default"))
}

/// Job queues whose processor callbacks run once per job: (package of the queue instance, the
/// method that registers the processor). BullMQ's `new Worker(queue, fn)` is in
/// [`REPEATED_APIS`].
pub const JOB_PROCESSORS: &[(&str, &str)] = &[
    ("bull", "process"),
    ("bee-queue", "process"),
    ("agenda", "define"),
    ("@hokify/agenda", "define"),
    ("pg-boss", "work"),
];

/// The route a Next.js file serves by its place: `app/**/route.ts` (its `GET`, `POST`…
/// exports, `true`) or `pages/api/**` (its default export, `false`), with the URL path
/// (`/api/users/[id]`; route groups `(name)` left out).
pub fn next_route(path: &str) -> Option<(bool, String)> {
    // from the package's root: an `app` folder above it is no Next.js app directory
    let path = project_path(path);
    let parts: Vec<&str> = path.split('/').collect();
    let (file, dirs) = parts.split_last()?;
    let (stem, ext) = file.rsplit_once('.')?;
    if !matches!(ext, "js" | "mjs" | "ts" | "jsx" | "tsx") {
        return None;
    }
    if let (true, Some(app)) = (stem == "route", dirs.iter().rposition(|d| *d == "app")) {
        let below = &dirs[app + 1..];
        // `_lib/`: a private folder, no route
        if below.iter().any(|d| d.starts_with('_')) {
            return None;
        }
        let segments: Vec<&str> = below.iter().copied().filter(|d| !(d.starts_with('(') && d.ends_with(')'))).collect();
        return Some((true, format!("/{}", segments.join("/"))));
    }
    let pages = dirs.windows(2).rposition(|w| w[0] == "pages" && w[1] == "api")?;
    let mut segments: Vec<&str> = dirs[pages + 1..].to_vec();
    if stem != "index" {
        segments.push(stem);
    }
    Some((false, format!("/{}", segments.join("/"))))
}

/// Whether a file (by its path) is tooling or a script, see [`STARTUP_FILE_NAMES`].
pub fn is_startup_file(path: &str) -> bool {
    let path = project_path(path);
    let name = path.rsplit('/').next().unwrap_or("").to_ascii_lowercase();
    let stem = name.split('.').next().unwrap_or("");
    if STARTUP_FILE_NAMES.iter().any(|n| name.starts_with(n) && (stem == *n || n.contains('.')))
        || name.contains(".config.")
    {
        return true;
    }
    let startup = dirs_of(&path).any(|d| STARTUP_DIRS.contains(&d));
    startup
}

/// Whether a file (by its path) is a test: it may block, await in series and fan out over its
/// fixtures; no request waits on it.
pub fn is_test_file(path: &str) -> bool {
    let path = project_path(path);
    let name = path.rsplit('/').next().unwrap_or("");
    let test = TEST_FILE_MARKERS.iter().any(|m| name.contains(m)) || dirs_of(&path).any(|d| TEST_DIRS.contains(&d));
    test
}

/// Whether a file is a development server (`DevServer.js`, `dev-server.ts`, `devServer.js`): a
/// tool one developer runs locally (a playground, a hot-reloading server), not production code.
pub fn is_development_file(path: &str) -> bool {
    let name = path.rsplit(['/', '\\']).next().unwrap_or("");
    let stem: String =
        name.split('.').next().unwrap_or("").chars().filter(|c| c.is_alphanumeric()).collect::<String>().to_lowercase();
    stem == "devserver"
}

/// Test files and development servers: no production request waits on them.
pub fn runs_outside_production(path: &str) -> bool {
    is_test_file(path) || is_development_file(path)
}

/// Whether a function's name says it does start-up work.
pub fn is_startup_name(name: &str) -> bool {
    STARTUP_NAME_WORDS.iter().any(|w| name_has_word(name, w))
}

#[cfg(test)]
mod path_tests {
    use super::*;

    #[test]
    fn test_and_script_files_by_name_and_directory() {
        for p in ["src/users.test.ts", "api.spec.js", "test/routes.js", "packages/api/__tests__/a.js", "e2e/x.ts"] {
            assert!(is_test_file(p), "{p}");
        }
        for p in ["src/attestation/index.js", "src/contest.js", "src/testing-utils/x.js", "latest/app.js"] {
            assert!(!is_test_file(p), "{p}");
        }
        for p in ["scripts/seed.js", "db/migrations/001.js", "bin/www", "gulpfile.js", "vite.config.ts"] {
            assert!(is_startup_file(p), "{p}");
        }
        assert!(!is_startup_file("src/binary/routes.js"));
        for p in ["dist/src/core/DevServer.js", "src/dev-server.ts", "lib/devServer.mjs", "dev_server.js"] {
            assert!(runs_outside_production(p), "{p}");
        }
        for p in ["src/server.js", "src/devices/server.js", "lib/device-server.js"] {
            assert!(!runs_outside_production(p), "{p}");
        }
    }

    #[test]
    fn directories_above_the_package_say_nothing() {
        let root = std::env::temp_dir().join(format!("loopsafe-paths-{}", std::process::id()));
        let app = root.join("tests/bin/app");
        std::fs::create_dir_all(app.join("src")).unwrap();
        std::fs::create_dir_all(app.join("test")).unwrap();
        std::fs::write(app.join("package.json"), "{}").unwrap();
        let src = app.join("src/routes.js");
        let test = app.join("test/routes.test.js");
        assert!(!is_test_file(&src.to_string_lossy()));
        assert!(!is_startup_file(&src.to_string_lossy()));
        assert!(is_test_file(&test.to_string_lossy()));
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn directories_above_the_working_directory_say_nothing() {
        let cwd = Some("/home/me/tests/bin/app");
        assert_eq!(relative_to("/home/me/tests/bin/app/src/routes.js", cwd), "src/routes.js");
        assert_eq!(relative_to("/home/me/tests/bin/app/test/a.js", cwd), "test/a.js");
        // elsewhere: kept whole
        assert_eq!(relative_to("/srv/tests/a.js", cwd), "/srv/tests/a.js");
        assert_eq!(relative_to("/home/me/tests/bin/application/a.js", cwd), "/home/me/tests/bin/application/a.js");
        assert_eq!(relative_to("src\\win.js", None), "src/win.js");
    }
}
