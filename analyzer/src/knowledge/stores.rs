//! What `await-race` knows about datastores beyond the model's effect hints: which calls make a
//! read-modify-write safe (transaction and lock wrappers, protective options and query-builder
//! steps, atomic update operators, version checks), and which fix fits which store.

/// Functions that run their callback inside a transaction or while holding a lock, besides those
/// the model's effect hints already call `Transaction` or `Lock` (`transaction`, `$transaction`,
/// `withTransaction`, `runExclusive`, `acquire`, `using`…).
pub const PROTECTING_WRAPPERS: &[&str] = &[
    "tx",
    "txIf",
    "withLock",
    "withMutex",
    "withLease",
    "synchronized",
    "runInTransaction",
    "inTransaction",
    "serializable",
    "exclusive",
    "runSerial",
];

/// Words that name a wrapper running its callback under a lock or in a transaction wherever
/// they appear in its name (`withItemLock`, `runWithAccountMutex`, `inOrderTransaction`): the
/// project's own helpers around a mutex or a lock map.
pub const PROTECTING_NAME_WORDS: &[&str] =
    &["lock", "locked", "mutex", "exclusive", "exclusively", "transaction", "serialized"];

pub use super::camel_words;

/// Method names that end a transaction or a lock region started earlier in the same function.
pub const REGION_END_METHODS: &[&str] =
    &["commit", "rollback", "commitTransaction", "abortTransaction", "endSession", "release", "unlock"];

/// SQL statements (first keyword) that start or end a transaction.
pub const SQL_BEGIN: &[&str] = &["BEGIN", "START"];
pub const SQL_END: &[&str] = &["COMMIT", "ROLLBACK", "END"];

/// Redis commands that make the following read-modify-write optimistic (`WATCH` … `MULTI/EXEC`).
pub const OPTIMISTIC_METHODS: &[&str] = &["watch"];

/// Query-builder steps between a read and its `await` that leave the read's meaning unchanged.
pub const PASSTHROUGH_STEPS: &[&str] =
    &["lean", "exec", "select", "populate", "sort", "limit", "orFail", "where", "first", "then", "cache", "hint"];

/// Query-builder steps that put the read in a transaction or take a row lock.
pub const PROTECTING_STEPS: &[&str] =
    &["session", "transacting", "forUpdate", "forNoKeyUpdate", "forShare", "setLock", "useTransaction", "lock"];

/// Option keys that put a read or a write in a transaction or under a lock
/// (`{ transaction: t }`, `{ session }`, `{ lock: t.LOCK.UPDATE }`).
pub const PROTECTING_OPTIONS: &[&str] = &["transaction", "session", "lock", "transacting"];

/// Update-document keys whose values the store applies atomically: MongoDB operators and
/// Prisma's numeric operations. A stale value under them is not a lost update.
pub const ATOMIC_UPDATE_KEYS: &[&str] = &[
    "$inc",
    "$mul",
    "$min",
    "$max",
    "$push",
    "$addToSet",
    "$pull",
    "$pop",
    "$unset",
    "$currentDate",
    "increment",
    "decrement",
    "multiply",
    "divide",
    "push",
];

/// Keys and columns that make a write optimistic when they appear in it (a version check in the
/// filter, or a version bump).
pub const VERSION_KEYS: &[&str] = &["version", "__v", "_version", "revision", "_rev", "rev", "etag", "lockVersion"];

/// Methods of a record object (a Mongoose document, a Sequelize instance, an Active-Record style
/// entity) that write the record back to its store.
pub const RECORD_WRITE_METHODS: &[&str] = &["save", "update", "updateOne", "patch", "persist", "upsert"];

/// Methods the model calls atomic by name that are atomic only with update operators: with a
/// plain value computed from a stale read they are a lost update like any write.
pub const OPERATOR_ATOMIC_METHODS: &[&str] =
    &["updateOne", "updateMany", "findOneAndUpdate", "findByIdAndUpdate", "findAndModify"];

/// Methods whose first argument is SQL text (`pool.query(sql, params)`).
pub const SQL_METHODS: &[&str] = &["query", "execute", "raw", "run", "one", "oneOrNone", "none", "any", "many"];

/// Modules of HTTP clients: a GET and a POST to the same URL are not a record the tool can judge.
pub const HTTP_CLIENT_MODULES: &[&str] =
    &["axios", "got", "node-fetch", "undici", "superagent", "ky", "request", "needle", "http", "https"];

/// Packages whose calls go to a store or a remote service (databases, caches, search engines,
/// HTTP clients, cloud SDKs): a call into one of them named a read (`findOne`, `get`, `query` with
/// a `SELECT`) is a round-trip. A package not listed may be anything (an in-memory model layer),
/// so its names prove nothing. Prefixes end with `/` (`@aws-sdk/`).
pub const REMOTE_MODULES: &[&str] = &[
    "pg",
    "pg-pool",
    "pg-promise",
    "postgres",
    "mysql",
    "mysql2",
    "mysql2/promise",
    "mariadb",
    "tedious",
    "mssql",
    "oracledb",
    "sqlite",
    "sqlite3",
    "better-sqlite3",
    "mongodb",
    "mongoose",
    "sequelize",
    "typeorm",
    "@prisma/client",
    "knex",
    "objection",
    "bookshelf",
    "@mikro-orm/core",
    "drizzle-orm",
    "kysely",
    "ioredis",
    "redis",
    "@redis/client",
    "memcached",
    "cassandra-driver",
    "neo4j-driver",
    "nano",
    "couchbase",
    "@elastic/elasticsearch",
    "elasticsearch",
    "@opensearch-project/opensearch",
    "axios",
    "got",
    "node-fetch",
    "undici",
    "superagent",
    "ky",
    "request",
    "needle",
    "http",
    "https",
    "aws-sdk",
    "@aws-sdk/",
    "@google-cloud/",
    "@azure/",
    "firebase-admin",
    "stripe",
    "@sendgrid/",
    "twilio",
    "@octokit/",
    "googleapis",
    "minio",
    "dataloader",
];

/// Whether calls into `module` reach a store or a remote service (see [`REMOTE_MODULES`]).
pub fn is_remote_module(module: &str) -> bool {
    REMOTE_MODULES.iter().any(|m| match module.strip_prefix(m) {
        Some(rest) => m.ends_with('/') || rest.is_empty() || rest.starts_with('/'),
        None => false,
    })
}

/// The store families the help text is specific to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Store {
    Sql,
    Redis,
    Mongo,
    Prisma,
    Sequelize,
    TypeOrm,
    /// A query builder (Knex and look-alikes).
    Builder,
    Unknown,
}

/// Which module a store client or model comes from.
pub const STORE_MODULES: &[(&str, Store)] = &[
    ("ioredis", Store::Redis),
    ("redis", Store::Redis),
    ("@redis/client", Store::Redis),
    ("mongoose", Store::Mongo),
    ("mongodb", Store::Mongo),
    ("@prisma/client", Store::Prisma),
    ("sequelize", Store::Sequelize),
    ("typeorm", Store::TypeOrm),
    ("pg", Store::Sql),
    ("mysql", Store::Sql),
    ("mysql2", Store::Sql),
    ("mysql2/promise", Store::Sql),
    ("better-sqlite3", Store::Sql),
    ("sqlite", Store::Sql),
    ("pg-promise", Store::Sql),
];

/// Read methods that name their store family when the client's module is not visible.
pub const STORE_READ_METHODS: &[(&str, Store)] = &[
    ("hget", Store::Redis),
    ("hgetall", Store::Redis),
    ("hmget", Store::Redis),
    ("zscore", Store::Redis),
    ("lindex", Store::Redis),
    ("findById", Store::Mongo),
    ("findUnique", Store::Prisma),
    ("findUniqueOrThrow", Store::Prisma),
    ("findFirst", Store::Prisma),
    ("findFirstOrThrow", Store::Prisma),
    ("findByPk", Store::Sequelize),
    ("findOneBy", Store::TypeOrm),
    ("findOneByOrFail", Store::TypeOrm),
];

/// The fix that fits each store.
pub fn help(store: Store) -> &'static str {
    match store {
        Store::Sql => {
            "update in one statement (`UPDATE … SET n = n + ? WHERE id = ?`), or read with `SELECT … FOR UPDATE` inside a transaction, or add a version check to the `WHERE`"
        }
        Store::Redis => {
            "use an atomic command (`INCRBY`/`DECRBY`, `HINCRBY`), or `WATCH` the key and write in `MULTI`/`EXEC`, or a Lua script"
        }
        Store::Mongo => {
            "update atomically with an operator (`updateOne({ _id }, { $inc: { n: delta } })`), or use a transaction, or optimistic concurrency (a version in the filter)"
        }
        Store::Prisma => {
            "use an atomic update (`data: { n: { increment: delta } }`), or an interactive `prisma.$transaction` with a version check in the `where`"
        }
        Store::Sequelize => {
            "use `increment`/`decrement`, or read with `{ transaction: t, lock: t.LOCK.UPDATE }` inside `sequelize.transaction`, or a version column"
        }
        Store::TypeOrm => {
            "use `repository.increment`/`decrement`, or read with `setLock('pessimistic_write')` inside a transaction, or a `@VersionColumn`"
        }
        Store::Builder => {
            "update in the database with `.increment()`/`.decrement()` (or `knex.raw('n - ?', [x])`), or read with `.forUpdate()` inside `knex.transaction`"
        }
        Store::Unknown => {
            "make the update atomic in the store, or run the read and the write in one transaction with a row lock (`SELECT … FOR UPDATE`), or add a version check to the write (optimistic locking)"
        }
    }
}

/// Name words of calls that write a record back (matched on whole camelCase words): a read
/// followed by `create`/`insert` of a new record is not a lost update.
pub const WRITE_BACK_WORDS: &[&str] = &[
    "set", "save", "update", "upsert", "put", "patch", "replace", "hset", "hmset", "mset", "setex", "psetex", "store",
    "persist", "write", "modify",
];

/// Fields that identify a record: a write filtered on `doc._id` of a record read earlier
/// addresses that record, whatever the read was filtered on.
pub const RECORD_ID_FIELDS: &[&str] = &["_id", "id", "uuid"];

/// Record methods that change the record in memory only (saved later with `save`).
pub const RECORD_SET_METHODS: &[&str] = &["set", "setDataValue"];

/// Schema options that make every save of a record check its version (Mongoose
/// `optimisticConcurrency`, Sequelize `version`): then a stale save fails instead of overwriting.
pub const OPTIMISTIC_SCHEMA_OPTIONS: &[&str] = &["optimisticConcurrency", "version"];

/// Query-builder steps (Knex and look-alikes) that may follow the call naming the table.
pub const BUILDER_STEPS: &[&str] = &[
    "where",
    "andWhere",
    "whereIn",
    "orWhere",
    "whereNot",
    "first",
    "select",
    "from",
    "table",
    "into",
    "pluck",
    "limit",
    "orderBy",
    "update",
    "increment",
    "decrement",
    "forUpdate",
    "forShare",
    "forNoKeyUpdate",
    "transacting",
    "returning",
    "column",
    "columns",
];
/// Steps that name the table.
pub const BUILDER_TABLE_STEPS: &[&str] = &["from", "table", "into"];
/// Steps whose arguments select the rows.
pub const BUILDER_FILTER_STEPS: &[&str] = &["where", "andWhere"];
/// Outermost steps of a builder read.
pub const BUILDER_READ_STEPS: &[&str] = &["first", "where", "andWhere", "select", "pluck", "from"];
/// Steps that write through a builder.
pub const BUILDER_WRITE_STEPS: &[&str] = &["update"];
/// Steps that change a column atomically in the database.
pub const ATOMIC_BUILDER_STEPS: &[&str] = &["increment", "decrement"];

/// Methods of an in-memory `Map` (called without `await`) that read and write one entry.
pub const MAP_READ_METHODS: &[&str] = &["get"];
pub const MAP_WRITE_METHODS: &[&str] = &["set"];

/// Reads that return a count or a summary rather than a record (matched on whole camelCase
/// words): a value computed from them and written is not a lost update of a record.
pub const AGGREGATE_READ_WORDS: &[&str] =
    &["count", "countDocuments", "estimatedDocumentCount", "aggregate", "exists", "list", "search", "scan", "keys"];
