//! What makes two awaited operations order-dependent beyond their effect hints: names whose
//! order is the meaning (sessions, navigation, set-up), guards whose result is discarded, scopes
//! that serialize work (transactions, single connections, locks), and test code.

/// Call names (whole camelCase words) that change hidden state the next call may rely on:
/// logging in, connecting, navigating, initializing. An await of one is never moved.
pub const ORDER_WORDS: &[&str] = &[
    "login",
    "logIn",
    "logout",
    "logOut",
    "signIn",
    "signOut",
    "signin",
    "signout",
    "authenticate",
    "authorize",
    "connect",
    "init",
    "initialize",
    "setup",
    "start",
    "stop",
    "open",
    "close",
    "prepare",
    "ensure",
    "assert",
    "require",
    "refresh",
    "warm",
    "subscribe",
    "listen",
    "goto",
    "navigate",
    "click",
    "type",
    "press",
    "next",
    "use",
    "tx",
    "task",
];

/// Names of read-like calls that are guards when their result is discarded
/// (`await checkAccess(user)` throws or not): what follows is gated on them.
pub const GUARD_WORDS: &[&str] = &[
    "check",
    "verify",
    "validate",
    "ensure",
    "assert",
    "authorize",
    "authenticate",
    "can",
    "is",
    "has",
    "exists",
    "require",
    "expect",
    "guard",
];

/// Words anywhere in a name that say it decides who may go on (`getUserPermissions`,
/// `requireAccess`): with its result dropped such a call throws for those not allowed, and what
/// follows is done for the others only.
pub const PERMISSION_WORDS: &[&str] =
    &["permission", "permissions", "authorization", "authorized", "allowed", "access", "acl", "rbac"];

/// Names of read-like calls that fill something when their result is discarded
/// (`await loadSettings()` loads into a cache or a module variable): what follows may read it.
pub const LOADER_WORDS: &[&str] = &["load", "preload", "reload", "prefetch", "prime", "hydrate", "populate", "fill"];

/// Words (anywhere in a name) of helpers that split a collection into batches (`_.chunk`,
/// `chunkArray`, `toBatches`): a loop over their result runs one bounded batch at a time on
/// purpose.
pub const BATCH_WORDS: &[&str] = &["chunk", "chunks", "chunked", "batch", "batches", "batched"];

/// Methods that hand out a serial scope: a transaction, a single pooled connection, a session or
/// a lock. Their callbacks run inside it, and the value they return is used one query at a time.
pub const SERIAL_SCOPE_METHODS: &[&str] = &[
    "transaction",
    "$transaction",
    "tx",
    "txIf",
    "task",
    "taskIf",
    "startTransaction",
    "beginTransaction",
    "withTransaction",
    "runInTransaction",
    "useTransaction",
    "startSession",
    "withSession",
    "connect",
    "getConnection",
    "createConnection",
    "createQueryRunner",
    "acquire",
    "runExclusive",
    "lock",
    "using",
];

/// Test-framework functions whose callbacks are test bodies: order there is the test's script.
pub const TEST_HOOKS: &[&str] =
    &["it", "test", "describe", "beforeEach", "beforeAll", "afterEach", "afterAll", "before", "after"];

/// HTTP methods that only read (an HTTP client call with another `method` writes).
pub const READ_HTTP_METHODS: &[&str] = &["GET", "HEAD", "OPTIONS"];

/// Store commands that only read, though their names carry none of the shared read words: Redis
/// (as ioredis and node-redis name them: sorted sets, sets, hashes, lists, key metadata), and
/// CouchDB/PouchDB (`allDocs`).
pub const READ_COMMANDS: &[&str] = &[
    "allDocs",
    "zscore",
    "zmscore",
    "zrank",
    "zrevrank",
    "zcard",
    "zcount",
    "zrevrange",
    "zrangebyscore",
    "zrevrangebyscore",
    "scard",
    "sismember",
    "smismember",
    "srandmember",
    "hmget",
    "hexists",
    "hlen",
    "hkeys",
    "hvals",
    "hstrlen",
    "llen",
    "lindex",
    "ttl",
    "pttl",
    "strlen",
    "getrange",
    "bitcount",
    "getbit",
    "pfcount",
    "xrange",
    "xrevrange",
    "xlen",
    "geopos",
    "geodist",
    "geosearch",
];

/// Globals whose awaited calls are never members of a group: they already combine or pace work.
pub const COMBINATOR_GLOBALS: &[&str] = &["Promise", "setTimeout", "setImmediate", "queueMicrotask"];

/// Modules whose awaited calls do local work (files, compression, hashing, child processes):
/// no network round-trip to save, and order often matters (`mkdir` then `writeFile`). Their
/// calls never join a group.
pub const LOCAL_MODULES: &[&str] = &[
    "fs",
    "fs/promises",
    "fs-extra",
    "graceful-fs",
    "path",
    "os",
    "zlib",
    "crypto",
    "util",
    "stream",
    "stream/promises",
    "timers/promises",
    "child_process",
    "readline",
    "worker_threads",
];

/// Names of bindings and properties that hold a transaction or a single connection
/// (`trx`, `this.queryRunner`, `options.transacting`): calls through them are serial.
pub const SERIAL_NAMES: &[&str] = &["trx", "tx", "txn", "transaction", "transacting", "queryRunner", "session", "t"];

/// Option keys that run a query inside a transaction or session (`{ transaction: t }`).
/// Lock options count too (`{ forUpdate: true }`, `{ lock: t.LOCK.UPDATE }`).
pub const SERIAL_OPTION_KEYS: &[&str] =
    &["transaction", "transacting", "session", "trx", "queryRunner", "client", "forUpdate", "forShare", "lock"];

/// Call names (whole camelCase words) that do local or CPU work rather than a round-trip:
/// running them together saves nothing worth a review comment.
pub const LOCAL_WORK_WORDS: &[&str] = &[
    "render",
    "compute",
    "calculate",
    "parse",
    "format",
    "serialize",
    "compile",
    "resolve",
    "is",
    "has",
    "can",
    "hash",
    "sign",
    "encrypt",
    "decrypt",
    "compress",
    "decompress",
    "transform",
    "convert",
    "build",
    "generate",
    "template",
    "readFile",
    "readJson",
    "readJSON",
    "readdir",
    "stat",
    "lstat",
    "access",
    "pathExists",
    "glob",
    "realpath",
];

/// Words that make a call a write wherever they appear in its name (`getOrCreateUser`,
/// `verifySenderPropertyUpdate`, `editSharedSenderOptions`): the shared hints look at the first
/// word only.
pub const WRITE_ANYWHERE_WORDS: &[&str] = &[
    "create",
    "update",
    "upsert",
    "delete",
    "remove",
    "insert",
    "save",
    "edit",
    "modify",
    "change",
    "send",
    "set",
    "write",
    "publish",
    "destroy",
    "increment",
    "decrement",
    "mark",
    "reset",
    "sync",
    "import",
    "register",
    "store",
    "persist",
    "assign",
    "attach",
    "detach",
    "toggle",
    "enable",
    "disable",
    "activate",
    "deactivate",
    "approve",
    "reject",
    "confirm",
    "invite",
    "grant",
    "revoke",
    "charge",
    "refund",
    "pay",
    "capture",
    "transfer",
    "enqueue",
    "schedule",
    "track",
    "record",
    "notify",
    "emit",
    "dispatch",
    "consume",
    "claim",
    "redeem",
    "cancel",
];

/// Methods that take SQL text: with a non-literal first argument their effect is unknown.
pub const SQL_METHODS: &[&str] = &["query", "execute", "raw", "run", "exec", "all", "one", "none", "any", "many"];

/// Constructors and factories that return one database connection (not a pool): its queries
/// run one at a time, so awaiting them together saves nothing.
pub const SINGLE_CONNECTION_APIS: &[(&str, &str)] = &[
    ("pg", "Client"),
    ("mysql", "createConnection"),
    ("mysql2", "createConnection"),
    ("mysql2/promise", "createConnection"),
    ("mariadb", "createConnection"),
    ("tedious", "Connection"),
    ("oracledb", "getConnection"),
    ("sqlite3", "Database"),
    ("sqlite", "open"),
];

/// Query-builder modifiers that end a chain without saying what it does
/// (`User.findById(id).lean()`, `db.collection('x').find(q).toArray()`): the effect is the verb
/// earlier in the chain.
pub const CHAIN_MODIFIERS: &[&str] = &[
    "lean",
    "populate",
    "exec",
    "sort",
    "limit",
    "skip",
    "where",
    "orderBy",
    "first",
    "toArray",
    "project",
    "hint",
    "collation",
    "maxTimeMS",
    "select",
    "include",
    "withRelated",
    "returning",
    "orFail",
];

/// Hooks whose callback runs once a transaction has committed, outside it (`trx.onCommit(…)`,
/// Objection/Knex `afterCommit`, TypeORM-style `afterTransaction`).
pub const AFTER_COMMIT_HOOKS: &[&str] = &["onCommit", "afterCommit", "afterTransaction", "onAfterCommit"];
