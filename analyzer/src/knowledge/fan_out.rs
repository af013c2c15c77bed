//! Facts for `unbounded-fan-out`: which calls run promises together, which libraries bound
//! concurrency, which operations keep or cut a collection's size, and what floods when too much
//! work starts at once. Recognized by resolved import (`module` + member path), never by the name
//! a file happens to give them.

use crate::model::QualName;

/// A module member: `member` is the dotted path after the module, `""` for the module itself
/// (a default export or `require('x')`).
pub struct Api {
    pub module: &'static str,
    pub member: &'static str,
}

pub const fn api(module: &'static str, member: &'static str) -> Api {
    Api { module, member }
}

/// Whether a resolved name is one of these entries.
/// Whether `q` creates a limiter: a known factory, or any export of a module the configuration
/// names as a limiter (`knowledge.limiters`).
pub fn is_limiter_factory(q: &QualName) -> bool {
    matches(LIMITER_FACTORIES, q) || crate::knowledge::EXTRA_LIMITERS.contains(q.module.as_str())
}

pub fn matches(table: &[Api], q: &QualName) -> bool {
    table.iter().any(|a| a.module == q.module.as_str() && member_is(q, a.member))
}

fn member_is(q: &QualName, member: &str) -> bool {
    if member.is_empty() {
        return q.path.is_empty();
    }
    let mut parts = member.split('.');
    let same = q.path.iter().all(|p| parts.next() == Some(p.as_str()));
    same && parts.next().is_none()
}

/// Calls that wait for many promises at once.
pub const COMBINATORS: &[Api] = &[
    api("global", "Promise.all"),
    api("global", "Promise.allSettled"),
    api("global", "Promise.any"),
    api("global", "Promise.race"),
    // `const Promise = require('bluebird')`
    api("bluebird", "all"),
    api("bluebird", "allSettled"),
    api("bluebird", "any"),
    api("bluebird", "race"),
    api("bluebird", "Promise.all"),
];

/// Factories whose result bounds how many tasks run at once: calling the result (`limit(fn)`) or
/// one of its methods (`queue.add(fn)`, `limiter.schedule(fn)`, `sema.acquire()`) is bounded work.
pub const LIMITER_FACTORIES: &[Api] = &[
    api("p-limit", ""),
    api("p-limit", "pLimit"),
    api("p-queue", ""),
    api("p-queue", "PQueue"),
    api("p-throttle", ""),
    api("bottleneck", ""),
    api("bottleneck", "Bottleneck"),
    api("async-sema", "Sema"),
    api("async-sema", "RateLimit"),
    api("async-mutex", "Semaphore"),
    api("async-mutex", "Mutex"),
    api("async", "queue"),
    api("async", "cargo"),
    api("fastq", ""),
    api("fastq", "promise"),
];

/// Whether a collection helper bounds the work it starts.
pub enum Bound {
    /// Runs at most a fixed number at a time (`mapLimit`, `mapSeries`).
    Always,
    /// Bounded when the options object at argument `arg` has the key (`{ concurrency: 4 }`).
    OptionKey { arg: usize, key: &'static str },
    /// Starts one task per element at once, always.
    Never,
}

/// Library calls that run a function over a collection (argument `collection`).
pub struct CollectionApi {
    pub api: Api,
    pub collection: usize,
    pub bound: Bound,
}

const fn coll(module: &'static str, member: &'static str, collection: usize, bound: Bound) -> CollectionApi {
    CollectionApi { api: api(module, member), collection, bound }
}

const CONCURRENCY_2: Bound = Bound::OptionKey { arg: 2, key: "concurrency" };

pub const COLLECTION_APIS: &[CollectionApi] = &[
    coll("p-map", "", 0, CONCURRENCY_2),
    coll("p-map", "pMap", 0, CONCURRENCY_2),
    coll("p-all", "", 0, Bound::OptionKey { arg: 1, key: "concurrency" }),
    coll("p-filter", "", 0, CONCURRENCY_2),
    coll("p-each-series", "", 0, Bound::Always),
    coll("p-map-series", "", 0, Bound::Always),
    coll("bluebird", "map", 0, CONCURRENCY_2),
    coll("bluebird", "filter", 0, CONCURRENCY_2),
    coll("bluebird", "mapSeries", 0, Bound::Always),
    coll("bluebird", "each", 0, Bound::Always),
    coll("async", "map", 0, Bound::Never),
    coll("async", "each", 0, Bound::Never),
    coll("async", "forEach", 0, Bound::Never),
    coll("async", "eachOf", 0, Bound::Never),
    coll("async", "forEachOf", 0, Bound::Never),
    coll("async", "mapValues", 0, Bound::Never),
    coll("async", "filter", 0, Bound::Never),
    coll("async", "parallel", 0, Bound::Never),
    coll("async", "mapLimit", 0, Bound::Always),
    coll("async", "eachLimit", 0, Bound::Always),
    coll("async", "forEachLimit", 0, Bound::Always),
    coll("async", "eachOfLimit", 0, Bound::Always),
    coll("async", "parallelLimit", 0, Bound::Always),
    coll("async", "mapSeries", 0, Bound::Always),
    coll("async", "eachSeries", 0, Bound::Always),
    coll("async", "series", 0, Bound::Always),
];

/// The collection helper a resolved call is, if any.
pub fn collection_api(q: &QualName) -> Option<&'static CollectionApi> {
    COLLECTION_APIS.iter().find(|c| c.api.module == q.module.as_str() && member_is(q, c.api.member))
}

/// Split a collection into fixed-size groups (`chunk(xs, 50)`): each group is bounded.
pub const CHUNK_APIS: &[Api] = &[
    api("lodash", "chunk"),
    api("lodash-es", "chunk"),
    api("lodash/chunk", ""),
    api("lodash.chunk", ""),
    api("underscore", "chunk"),
    api("ramda", "splitEvery"),
];

/// Global functions over an object's own properties: bounded for a literal object, not known
/// otherwise (a changeset's fields, or a map keyed by id).
pub const KEYS_OF_ARGUMENT: &[Api] =
    &[api("global", "Object.keys"), api("global", "Object.values"), api("global", "Object.entries")];

/// Global functions whose result has the size of their first argument.
pub const SIZE_OF_ARGUMENT: &[Api] = &[api("global", "Array.from"), api("global", "Set"), api("global", "Map")];

/// Global conversions whose result carries their argument's origin: the list in
/// `String(req.query.ids).split(',')`, the count in `Number(req.body.count)`.
pub const CONVERSIONS: &[Api] = &[
    api("global", "String"),
    api("global", "Number"),
    api("global", "parseInt"),
    api("global", "Number.parseInt"),
    api("global", "decodeURIComponent"),
];

/// Methods whose result is at most as large as their receiver.
pub const SIZE_KEEPING_METHODS: &[&str] = &[
    "filter",
    "map",
    "flat",
    "sort",
    "toSorted",
    "reverse",
    "toReversed",
    "keys",
    "values",
    "entries",
    "split",
    "slice",
    "splice",
    "concat",
    "flatMap",
];

/// Methods that take a bounded part of their receiver when given an end or a count:
/// `xs.slice(i, i + 50)`, `queue.splice(0, 50)`.
pub const BATCH_METHODS: &[&str] = &["slice", "splice"];

/// Methods that grow a collection in place: a literal that is pushed to is no longer fixed.
pub const GROWING_METHODS: &[&str] = &["push", "unshift", "splice", "add", "set"];

/// Methods that run a synchronous callback once per element, the element as first argument.
pub const PER_ELEMENT_METHODS: &[&str] =
    &["map", "forEach", "flatMap", "filter", "some", "every", "find", "findIndex", "findLast", "findLastIndex"];

/// Methods on a collection that start their callback for every element without waiting.
pub const FAN_OUT_METHODS: &[&str] = &["map", "flatMap"];

/// Fields of a request object that hold client input (Express, Koa's `ctx.request`, Fastify):
/// `req.body.ids` is input, `req.config.rateLimits` is the server's own.
pub const REQUEST_INPUT_FIELDS: &[&str] = &["body", "query", "params", "files", "headers", "cookies"];

/// Receivers that hold the server's own configuration: `config.get('apps:internal')` is a list
/// the operators wrote, not data that grows with traffic. Matched on the receiver's last name,
/// whole (`this.config.get(…)`), with the method `get`: a model such as `UserSettings.findAll` is
/// data.
pub const CONFIG_RECEIVERS: &[&str] = &["config", "conf", "cfg", "nconf", "settings", "options", "opts", "env"];

/// Classes that are one database connection (TypeORM's `QueryRunner`s): queries started from
/// their own methods (`this.query(…)`) wait their turn on that connection.
pub const SINGLE_CONNECTION_CLASS_SUFFIXES: &[&str] = &["QueryRunner"];

/// Events fired once per chunk, line or row of a stream.
pub const PER_ITEM_EVENTS: &[&str] = &["data", "line", "row", "record"];

/// Stream methods that stop the flow until resumed.
pub const PAUSE_METHODS: &[&str] = &["pause"];

/// What floods when too many calls into a module run at once.
pub const RESOURCES: &[(&str, &str)] = &[
    ("fs", "the libuv thread pool (4 threads by default) and the open-file limit"),
    ("fs/promises", "the libuv thread pool (4 threads by default) and the open-file limit"),
    ("fs-extra", "the libuv thread pool (4 threads by default) and the open-file limit"),
    ("zlib", "the libuv thread pool (4 threads by default)"),
    ("crypto", "the libuv thread pool (4 threads by default)"),
    ("dns", "the libuv thread pool (4 threads by default)"),
    ("dns/promises", "the libuv thread pool (4 threads by default)"),
    ("bcrypt", "the libuv thread pool (4 threads by default)"),
    ("sharp", "the libuv thread pool and memory"),
    ("axios", "the remote API (rate limits) and the process's sockets"),
    ("node-fetch", "the remote API (rate limits) and the process's sockets"),
    ("got", "the remote API (rate limits) and the process's sockets"),
    ("undici", "the remote API (rate limits) and the process's sockets"),
    ("superagent", "the remote API (rate limits) and the process's sockets"),
    ("http", "the remote API (rate limits) and the process's sockets"),
    ("https", "the remote API (rate limits) and the process's sockets"),
    ("global", "the remote API (rate limits) and the process's sockets"),
    ("pg", "the database connection pool"),
    ("mysql", "the database connection pool"),
    ("mysql2", "the database connection pool"),
    ("mysql2/promise", "the database connection pool"),
    ("mongodb", "the database connection pool"),
    ("mongoose", "the database connection pool"),
    ("knex", "the database connection pool"),
    ("sequelize", "the database connection pool"),
    ("typeorm", "the database connection pool"),
    ("@prisma/client", "the database connection pool"),
    ("redis", "the Redis connection"),
    ("ioredis", "the Redis connection"),
    ("@aws-sdk/client-s3", "the remote API (rate limits) and the process's sockets"),
    ("@aws-sdk/client-dynamodb", "the remote API (rate limits) and the process's sockets"),
    ("nodemailer", "the mail server's connection limit"),
];

/// The global functions in [`RESOURCES`]' `global` row.
pub const GLOBAL_IO: &[&str] = &["fetch"];

/// Calls that make an already settled promise: no work is started.
pub const SETTLED: &[Api] = &[api("global", "Promise.resolve"), api("global", "Promise.reject")];

/// What a resolved API exhausts when called many times at once.
pub fn resource_of(q: &QualName) -> Option<&'static str> {
    if q.module.as_str() == "global" && !q.path.first().is_some_and(|p| GLOBAL_IO.contains(&p.as_str())) {
        return None;
    }
    RESOURCES.iter().find(|(m, _)| *m == q.module.as_str()).map(|(_, r)| *r)
}

/// Calls that list things the code does not control the number of (files on disk).
pub const COLLECTION_SOURCES: &[Api] = &[
    api("glob", ""),
    api("glob", "glob"),
    api("fast-glob", ""),
    api("fast-glob", "glob"),
    api("globby", ""),
    api("globby", "globby"),
];

/// Clients whose calls return rows or keys: a collection from one of them is data
/// (`const pool = new Pool()` from `pg`, then `(await pool.query(…)).rows`).
pub const QUERY_CLIENTS: &[Api] = &[
    api("pg", "Pool"),
    api("pg", "Client"),
    api("mysql", "createPool"),
    api("mysql", "createConnection"),
    api("mysql2", "createPool"),
    api("mysql2", "createConnection"),
    api("mysql2/promise", "createPool"),
    api("mysql2/promise", "createConnection"),
    api("mongodb", "MongoClient"),
    api("mongoose", "model"),
    api("knex", ""),
    api("knex", "knex"),
    api("sequelize", "Sequelize"),
    api("@prisma/client", "PrismaClient"),
    api("ioredis", ""),
    api("ioredis", "Redis"),
    api("redis", "createClient"),
];

/// Methods of a store's client (or an object of unknown type) that return many rows: what they
/// return grows with the data unless a limit is given (`User.find(q)`, `repo.findMany()`,
/// `redis.smembers(k)`, `db.query('SELECT …')`). Matched on the whole name.
pub const MULTI_ROW_VERBS: &[&str] = &[
    "find",
    "findAll",
    "findMany",
    "findAndCountAll",
    "findBy",
    "findAndCount",
    "select",
    "aggregate",
    "scan",
    "smembers",
    "keys",
    "hgetall",
    "hkeys",
    "hvals",
    "lrange",
    "zrange",
    "zrangebyscore",
    "zrevrange",
    "sscan",
    "getAll",
    "fetchAll",
    "listAll",
    "list",
    "query",
    "execute",
    "many",
    "manyOrNone",
    "any",
    "all",
];

/// Fields of a query's result object that hold its rows (`(await pool.query(q)).rows`,
/// `response.data.items`, S3's `Contents`).
pub const ROW_FIELDS: &[&str] =
    &["rows", "data", "items", "results", "docs", "records", "Items", "Contents", "hits", "entities", "nodes"];

/// Option keys that cap how many rows or items a query returns (Sequelize/Knex `limit`,
/// TypeORM/Prisma `take`, GraphQL-style `first`, AWS `Limit`/`MaxKeys`, Elasticsearch `size`).
pub const PAGE_LIMIT_KEYS: &[&str] = &[
    "limit",
    "take",
    "first",
    "last",
    "top",
    "pageSize",
    "perPage",
    "per_page",
    "page_size",
    "Limit",
    "MaxKeys",
    "MaxResults",
    "maxResults",
    "size",
];

/// Clients whose list reads return one page unless the call asks for more: (package, methods,
/// why). A Parse query's `find()` returns 100 rows by default, a Stripe `list()` 10, an Octokit
/// list 30.
pub const DEFAULT_PAGE_CLIENTS: &[(&str, &[&str], &str)] = &[
    ("parse", &["find"], "a Parse query returns at most 100 rows unless it sets a limit"),
    ("stripe", &["list", "search"], "a Stripe list returns one page (10 by default)"),
    (
        "@octokit/",
        &["list", "listForRepo", "listForOrg", "listForUser"],
        "a GitHub list returns one page (30 by default)",
    ),
    (
        "octokit",
        &["list", "listForRepo", "listForOrg", "listForUser"],
        "a GitHub list returns one page (30 by default)",
    ),
];

/// Why a list read of `package` is bounded by its client's default page size, if it is.
pub fn default_page(package: &str, method: &str) -> Option<&'static str> {
    DEFAULT_PAGE_CLIENTS.iter().find_map(|(p, methods, why)| {
        let of = match package.strip_prefix(p) {
            Some(rest) => p.ends_with('/') || rest.is_empty() || rest.starts_with('/'),
            None => false,
        };
        (of && methods.contains(&method)).then_some(*why)
    })
}

/// Query-builder methods that cap the result: `.limit(50)`, `.take(20)`, `.paginate(1, 20)`.
pub const PAGE_LIMIT_METHODS: &[&str] = &["limit", "take", "top", "paginate"];

/// Name parts of methods that return one page by design (`findPage`, `getPage`,
/// `findPaginated`): their result is bounded by the page size.
pub const PAGED_METHOD_PARTS: &[&str] = &["Page", "Paginated", "paginate"];

/// Option keys that run a query inside a transaction, on its single connection (Sequelize,
/// Objection).
pub const TRANSACTION_KEYS: &[&str] = &["transaction"];

/// Words that make a function a transaction wrapper whose callback gets one connection
/// (`inTransaction`, `withTransaction`, `runInTransaction`), beyond the model's transaction effect.
pub const TRANSACTION_WRAPPER_WORDS: &[&str] = &["transaction", "transactional"];

/// Methods that continue a promise: `start(x).catch(log)` is `start(x)`, still a promise.
pub const PROMISE_CHAIN_METHODS: &[&str] = &["then", "catch", "finally"];

/// Methods that append to an array of pending promises.
pub const PUSH_METHODS: &[&str] = &["push"];

/// Methods that run a callback per element and ignore what it returns (so never await it).
pub const FOR_EACH_METHODS: &[&str] = &["forEach"];

#[cfg(test)]
mod tests {
    use super::*;
    use swc_atoms::Atom;

    fn q(module: &str, path: &[&str]) -> QualName {
        QualName { module: Atom::from(module), path: path.iter().map(|p| Atom::from(*p)).collect() }
    }

    #[test]
    fn tables_match_resolved_names() {
        assert!(matches(COMBINATORS, &q("global", &["Promise", "allSettled"])));
        assert!(!matches(COMBINATORS, &q("global", &["Promise", "resolve"])));
        assert!(matches(LIMITER_FACTORIES, &q("p-limit", &[])));
        assert!(!matches(LIMITER_FACTORIES, &q("p-limit", &["limitFunction", "x"])));
        assert!(matches(CHUNK_APIS, &q("lodash", &["chunk"])));
        assert!(matches(CHUNK_APIS, &q("lodash/chunk", &[])));
        assert!(matches!(collection_api(&q("async", &["mapLimit"])).map(|c| &c.bound), Some(Bound::Always)));
        assert!(matches!(
            collection_api(&q("bluebird", &["map"])).map(|c| &c.bound),
            Some(Bound::OptionKey { arg: 2, .. })
        ));
        assert!(collection_api(&q("async", &["waterfall"])).is_none());
        assert_eq!(resource_of(&q("fs/promises", &["readFile"])), Some(RESOURCES[1].1));
        assert_eq!(resource_of(&q("global", &["JSON", "parse"])), None);
        assert!(resource_of(&q("global", &["fetch"])).is_some());
    }
}
