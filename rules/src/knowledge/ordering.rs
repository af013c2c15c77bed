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
    "createQueryRunner",
    "acquire",
    "runExclusive",
    "lock",
    "using",
];

/// Test-framework functions whose callbacks are test bodies: order there is the test's script.
pub const TEST_HOOKS: &[&str] =
    &["it", "test", "describe", "beforeEach", "beforeAll", "afterEach", "afterAll", "before", "after"];

/// Path fragments of test files.
pub const TEST_PATH_MARKERS: &[&str] =
    &[".test.", ".spec.", "/__tests__/", "/test/", "/tests/", "/e2e/", "/__mocks__/", "/fixtures-test/"];

/// HTTP methods that only read (an HTTP client call with another `method` writes).
pub const READ_HTTP_METHODS: &[&str] = &["GET", "HEAD", "OPTIONS"];

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
