//! API catalogues. The blocking-API catalogue: synchronous calls that hold the event loop, each with the
//! non-blocking alternative named in the help text.

use crate::model::QualName;

/// One catalogue entry. `member` is an exact export name, or `*Sync` for every export ending in
/// `Sync`. `alternative` may use `{base}`: the name without its `Sync` suffix.
pub struct BlockingApi {
    pub module: &'static str,
    pub member: &'static str,
    pub alternative: &'static str,
}

const fn api(module: &'static str, member: &'static str, alternative: &'static str) -> BlockingApi {
    BlockingApi { module, member, alternative }
}

/// `fs.existsSync` has no promise form (`fs.promises.exists` does not exist; the callback
/// `fs.exists` is deprecated): ask `access` or `stat` and read `ENOENT` as "absent".
const EXISTS_ALTERNATIVE: &str =
    "`await fs.promises.access(path)` or `fs.promises.stat(path)`, treating an `ENOENT` error as \"does not exist\" (`fs.promises` has no `exists`, and the callback `fs.exists` is deprecated)";

/// The `fs` functions that take a file descriptor: `fs.promises` has none of them; a `FileHandle`
/// from `fs.promises.open` has the method, named without the `f`.
const FD_FUNCTIONS: &[(&str, &str)] = &[
    ("closeSync", "close"),
    ("fchmodSync", "chmod"),
    ("fchownSync", "chown"),
    ("fdatasyncSync", "datasync"),
    ("fstatSync", "stat"),
    ("fsyncSync", "sync"),
    ("ftruncateSync", "truncate"),
    ("futimesSync", "utimes"),
    ("readSync", "read"),
    ("readvSync", "readv"),
    ("writeSync", "write"),
    ("writevSync", "writev"),
];

pub const BLOCKING_APIS: &[BlockingApi] = &[
    // specific entries come before the `*Sync` ones of their module: the first match wins
    api("fs", "existsSync", EXISTS_ALTERNATIVE),
    api("graceful-fs", "existsSync", EXISTS_ALTERNATIVE),
    api("fs-extra", "existsSync", "`await fs.pathExists(path)` from fs-extra"),
    api("fs", "*Sync", "`fs.promises.{base}` (await it) or the callback form `fs.{base}`"),
    api("fs-extra", "*Sync", "the promise form `fs.{base}` from fs-extra (await it)"),
    api("graceful-fs", "*Sync", "the callback form `fs.{base}` or `fs.promises.{base}`"),
    api("child_process", "execSync", "`child_process.exec` (promisified with `util.promisify`) or `spawn`"),
    api("child_process", "execFileSync", "`child_process.execFile` (promisified with `util.promisify`)"),
    api("child_process", "spawnSync", "`child_process.spawn` and listen for `close`"),
    api("crypto", "pbkdf2Sync", "`crypto.pbkdf2` (callback, or promisified), which runs on the libuv pool"),
    api("crypto", "scryptSync", "`crypto.scrypt` (callback, or promisified), which runs on the libuv pool"),
    api("crypto", "generateKeyPairSync", "`crypto.generateKeyPair` (callback, or promisified)"),
    api("crypto", "generateKeySync", "`crypto.generateKey` (callback, or promisified)"),
    api("crypto", "generatePrimeSync", "`crypto.generatePrime` (callback, or promisified)"),
    api("crypto", "randomFillSync", "`crypto.randomFill` (callback, or promisified)"),
    api("crypto", "hkdfSync", "`crypto.hkdf` (callback, or promisified)"),
    api("zlib", "*Sync", "`zlib.{base}` (callback, or promisified) or a zlib stream"),
    api("global", "Atomics.wait", "`Atomics.waitAsync`, or move the wait into a worker thread"),
    api("bcrypt", "hashSync", "`await bcrypt.hash(...)`"),
    api("bcrypt", "compareSync", "`await bcrypt.compare(...)`"),
    api("bcrypt", "genSaltSync", "`await bcrypt.genSalt(...)`"),
    api("bcryptjs", "hashSync", "`await bcrypt.hash(...)`"),
    api("bcryptjs", "compareSync", "`await bcrypt.compare(...)`"),
    api("bcryptjs", "genSaltSync", "`await bcrypt.genSalt(...)`"),
    api("glob", "sync", "`await glob(...)` (glob 9+) or the promisified callback form"),
    api("glob", "globSync", "`await glob(...)`"),
    api("fast-glob", "sync", "`await fg(...)`"),
    api("globby", "sync", "`await globby(...)`"),
    api("globby", "globbySync", "`await globby(...)`"),
    api("execa", "sync", "`await execa(...)`"),
    api("execa", "execaSync", "`await execa(...)`"),
    api("execa", "commandSync", "`await execaCommand(...)`"),
    api("execa", "execaCommandSync", "`await execaCommand(...)`"),
    api("mkdirp", "sync", "`await mkdirp(...)` or `fs.promises.mkdir(dir, { recursive: true })`"),
    api("rimraf", "sync", "`await rimraf(...)` or `fs.promises.rm(path, { recursive: true })`"),
    api("rimraf", "rimrafSync", "`await rimraf(...)` or `fs.promises.rm(path, { recursive: true })`"),
    api("cross-spawn", "sync", "`spawn` from cross-spawn and listen for `close`"),
    api("tmp", "fileSync", "`tmp.file` (callback) or `await tmp-promise`'s `file()`"),
    api("tmp", "dirSync", "`tmp.dir` (callback) or `await tmp-promise`'s `dir()`"),
    api("tmp", "tmpNameSync", "`tmp.tmpName` (callback) or `fs.promises.mkdtemp`"),
];

/// Blocking APIs added by the configuration (`knowledge.blockingApis`), process-wide.
static EXTRA: std::sync::RwLock<Vec<(String, String, String)>> = std::sync::RwLock::new(Vec::new());

/// Add blocking APIs to the catalogue: (module, member, alternative).
pub fn set_extra(entries: Vec<(String, String, String)>) {
    *EXTRA.write().unwrap_or_else(|e| e.into_inner()) = entries;
}

/// The catalogue entry a resolved call matches, with its alternative filled in.
pub fn lookup(q: &QualName) -> Option<String> {
    let module = q.module.as_str();
    let extra = EXTRA.read().unwrap_or_else(|e| e.into_inner());
    // most calls are to modules the catalogue never names: no allocation for them
    if !BLOCKING_APIS.iter().any(|a| a.module == module) && !extra.iter().any(|(m, _, _)| m == module) {
        return None;
    }
    let member = q.member_path();
    {
        if let Some((_, _, alt)) = extra.iter().find(|(m, mem, _)| m == q.module.as_str() && *mem == member) {
            return Some(alt.clone());
        }
    }
    let entry = BLOCKING_APIS.iter().find(|a| {
        a.module == q.module.as_str()
            && match a.member.strip_prefix('*') {
                Some(suffix) => q.path.len() == 1 && member.ends_with(suffix) && member.len() > suffix.len(),
                None => a.member == member,
            }
    })?;
    let base = member.strip_suffix("Sync").unwrap_or(&member);
    if matches!(entry.module, "fs" | "graceful-fs") && entry.member == "*Sync" {
        if let Some((_, method)) = FD_FUNCTIONS.iter().find(|(f, _)| *f == member) {
            return Some(format!(
                "the callback form `fs.{base}`, or `await handle.{method}()` on a `FileHandle` from `fs.promises.open`"
            ));
        }
    }
    Some(entry.alternative.replace("{base}", base))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alternative(module: &str, member: &str) -> String {
        let q = QualName { module: module.into(), path: member.split('.').map(Into::into).collect() };
        lookup(&q).unwrap_or_default()
    }

    #[test]
    fn alternatives_name_functions_that_exist() {
        assert!(alternative("fs", "readFileSync").contains("`fs.promises.readFile`"));
        // there is no fs.promises.exists (issue #20)
        let exists = alternative("fs", "existsSync");
        assert!(!exists.contains("`fs.promises.exists`"), "{exists}");
        assert!(exists.contains("fs.promises.access") && exists.contains("ENOENT"), "{exists}");
        assert!(alternative("fs-extra", "existsSync").contains("pathExists"));
        // nor fs.promises.close / fstat: descriptors have FileHandle methods
        let close = alternative("fs", "closeSync");
        assert!(!close.contains("fs.promises.close"), "{close}");
        assert!(close.contains("`fs.close`") && close.contains("handle.close()"), "{close}");
        assert!(alternative("fs", "fstatSync").contains("handle.stat()"));
    }
}
