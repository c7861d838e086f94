//! A SQLite VFS for the intake writer's connection that writes each commit's
//! WAL frames in one `pwrite` instead of two a frame (a 24-byte header, then
//! the page): those calls were ~23% of the writer's CPU (BENCHMARKS.md).
//!
//! It is the platform's own VFS for every file but the WAL, which it opens
//! inside a wrapper. The wrapper keeps one contiguous run of written bytes
//! and writes it out:
//! - when the page after a commit frame's header has been added, so a
//!   committed transaction is in the file (not yet flushed to disk: the
//!   writer's sync threads do that) before SQLite publishes it in the
//!   wal-index, where other connections look. Until the next transaction's
//!   first frame, every write goes straight through: at synchronous=FULL
//!   without power-safe overwrite SQLite pads a commit with copies of its
//!   last frame, part of one written after a sync;
//! - before a write that does not continue the run, and before any read,
//!   truncate, sync, size or file-control call on the WAL, so SQLite never
//!   sees the file without what it wrote. Only frames appended at the end
//!   wait in the run: a write that rewrites earlier bytes in place (SQLite
//!   rewrites a transaction's frame headers, commit frame included, when a
//!   page it spilled changes again) goes to the file at once;
//! - when the run reaches `MAX_RUN` bytes, and on close.
//!
//! A commit's run is always written from an `xWrite`, whose error SQLite
//! gets, and fails the commit as it would have with its own writes. A run
//! written before a read, sync, size or close call (a spilling transaction's
//! frames) is dropped if the write fails, and that call fails. So the VFS is
//! only for a connection that rolls its transaction back after any error, as
//! the intake writer does: a transaction that went on to commit would
//! publish frames missing from the file. Bytes not yet
//! written when the process dies belong to a transaction that SQLite has not
//! committed, so a crash loses nothing that was acknowledged.
use std::ffi::{CStr, c_int, c_void};
use std::sync::OnceLock;

use rusqlite::ffi;

/// The name connections pass to open through this VFS.
pub const NAME: &CStr = c"ppid-wal-coalesce";

/// A run is written out when it reaches this size (a group writes ~0.4 MB).
const MAX_RUN: usize = 4 << 20;

/// The most one write hands the unix VFS: it keeps only the low 17 bits of
/// a write's length (`seekAndWriteFd`), so a larger write comes back short.
const MAX_WRITE: usize = 0x1f000;

/// Bytes of a WAL frame's header; its bytes 4..8 are the database size after
/// a commit, and zero in any other frame.
const FRAME_HEADER: usize = 24;

/// Registers the VFS (once); false if SQLite refused it, and connections
/// should then open with the default VFS.
pub fn register() -> bool {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    *REGISTERED.get_or_init(|| {
        // SAFETY: sqlite3_vfs_find(NULL) returns the default VFS, which
        // lives as long as the process; ours is leaked, so it does too.
        unsafe {
            let base = ffi::sqlite3_vfs_find(std::ptr::null());
            if base.is_null() {
                return false;
            }
            let mut vfs = *base;
            vfs.pNext = std::ptr::null_mut();
            vfs.zName = NAME.as_ptr();
            vfs.pAppData = base.cast();
            vfs.szOsFile = (*base).szOsFile + std::mem::size_of::<WalFile>() as c_int;
            vfs.xOpen = Some(open);
            // Every other method is the base VFS's own: the unix VFS's
            // ignore the VFS pointer they are given.
            let vfs = Box::leak(Box::new(vfs));
            ffi::sqlite3_vfs_register(vfs, 0) == ffi::SQLITE_OK
        }
    })
}

#[cfg(test)]
thread_local! {
    /// Writes this thread made to WAL files through the VFS.
    static WAL_WRITES: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
    /// Runs this thread's next flushes fail to write, as with a full disk.
    static FAILING_FLUSHES: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

/// How many WAL writes this thread has made through the VFS.
#[cfg(test)]
fn wal_writes() -> u64 {
    WAL_WRITES.get()
}

/// A WAL file: this header, then the base VFS's file.
#[repr(C)]
struct WalFile {
    base: ffi::sqlite3_file,
    run: *mut Run,
}

/// Written bytes not yet in the file: `bytes` belong at offset `start`.
struct Run {
    start: i64,
    bytes: Vec<u8>,
    /// The end of what has been written since the log last started at
    /// offset 0: a write below it rewrites frames in place.
    end: i64,
    /// A commit frame's header is in the run; its page comes next.
    commit_page_next: bool,
    /// The last commit is written; what follows it before the next
    /// transaction's first frame (padding) is written at once.
    write_through: bool,
}

/// The base VFS's file, stored after the header.
unsafe fn inner(file: *mut ffi::sqlite3_file) -> *mut ffi::sqlite3_file {
    // SAFETY: `open` gave this file szOsFile bytes: the header, then the
    // base's file (the header's size is a multiple of 8).
    unsafe { file.cast::<u8>().add(std::mem::size_of::<WalFile>()).cast() }
}

unsafe fn methods(file: *mut ffi::sqlite3_file) -> &'static ffi::sqlite3_io_methods {
    // SAFETY: an open base file's methods live as long as its VFS.
    unsafe { &*(*file).pMethods }
}

unsafe extern "C" fn open(
    vfs: *mut ffi::sqlite3_vfs,
    name: ffi::sqlite3_filename,
    file: *mut ffi::sqlite3_file,
    flags: c_int,
    out_flags: *mut c_int,
) -> c_int {
    // SAFETY: SQLite calls this with our VFS, whose pAppData is the base
    // VFS, and a file of our szOsFile bytes.
    unsafe {
        let base = (*vfs).pAppData.cast::<ffi::sqlite3_vfs>();
        let base_open = (*base).xOpen.expect("the base VFS opens files");
        if flags & ffi::SQLITE_OPEN_WAL == 0 {
            // Any other file is the base's own, at the start.
            return base_open(base, name, file, flags, out_flags);
        }
        let wal = file.cast::<WalFile>();
        (*wal).base.pMethods = std::ptr::null();
        let rc = base_open(base, name, inner(file), flags, out_flags);
        if rc != ffi::SQLITE_OK {
            return rc;
        }
        (*wal).run = Box::into_raw(Box::new(Run {
            start: 0,
            bytes: Vec::new(),
            end: 0,
            commit_page_next: false,
            write_through: false,
        }));
        (*wal).base.pMethods = &WAL_METHODS;
        ffi::SQLITE_OK
    }
}

/// Writes the run out, if any; the run is empty afterwards either way.
unsafe fn flush(file: *mut ffi::sqlite3_file) -> c_int {
    // SAFETY: `file` is an open WalFile.
    unsafe {
        let run = &mut *(*file.cast::<WalFile>()).run;
        if run.bytes.is_empty() {
            return ffi::SQLITE_OK;
        }
        #[cfg(test)]
        if FAILING_FLUSHES.get() > 0 {
            FAILING_FLUSHES.set(FAILING_FLUSHES.get() - 1);
            run.bytes.clear();
            return ffi::SQLITE_FULL;
        }
        let mut rc = ffi::SQLITE_OK;
        let mut offset = run.start;
        for chunk in run.bytes.chunks(MAX_WRITE) {
            rc = write_through(file, chunk, offset);
            if rc != ffi::SQLITE_OK {
                break;
            }
            offset += chunk.len() as i64;
        }
        run.bytes.clear();
        rc
    }
}

/// Writes `bytes` (at most `MAX_WRITE`) to the base file at `offset`.
unsafe fn write_through(file: *mut ffi::sqlite3_file, bytes: &[u8], offset: i64) -> c_int {
    // SAFETY: `file` is an open WalFile.
    unsafe {
        let inner = inner(file);
        let write = methods(inner).xWrite.expect("files are writable");
        #[cfg(test)]
        WAL_WRITES.set(WAL_WRITES.get() + 1);
        write(inner, bytes.as_ptr().cast(), bytes.len() as c_int, offset)
    }
}

unsafe extern "C" fn write(
    file: *mut ffi::sqlite3_file,
    data: *const c_void,
    amount: c_int,
    offset: i64,
) -> c_int {
    // SAFETY: SQLite passes an open WalFile and `amount` readable bytes.
    unsafe {
        let data = std::slice::from_raw_parts(data.cast::<u8>(), amount as usize);
        let run = &mut *(*file.cast::<WalFile>()).run;
        if offset == 0 {
            // The log starts again (its header).
            run.end = 0;
        }
        // Which frame this is, whichever way it goes to the file: a commit
        // frame's page must never wait, even after a header written in
        // place.
        let commit_page = if data.len() == FRAME_HEADER {
            let commit = data[4..8] != [0; 4];
            run.write_through &= commit;
            run.commit_page_next = commit;
            false
        } else {
            std::mem::take(&mut run.commit_page_next)
        };
        run.write_through |= commit_page;
        if offset < run.end {
            // A rewrite in place (a page changed again after a cache spill,
            // the frame headers whose checksums follow it, a rolled-back
            // transaction's frames): written at once, after the run, so
            // that only appended frames wait, and a rewritten commit
            // header never does.
            let rc = flush(file);
            if rc != ffi::SQLITE_OK {
                return rc;
            }
            let run = &mut *(*file.cast::<WalFile>()).run;
            run.end = run.end.max(offset + i64::from(amount));
            return write_through(file, data, offset);
        }
        if !run.bytes.is_empty() && offset != run.start + run.bytes.len() as i64 {
            let rc = flush(file);
            if rc != ffi::SQLITE_OK {
                return rc;
            }
        }
        let run = &mut *(*file.cast::<WalFile>()).run;
        if run.bytes.is_empty() {
            run.start = offset;
        }
        run.bytes.extend_from_slice(data);
        run.end = offset + i64::from(amount);
        if run.write_through || run.bytes.len() >= MAX_RUN {
            return flush(file);
        }
        ffi::SQLITE_OK
    }
}

unsafe extern "C" fn close(file: *mut ffi::sqlite3_file) -> c_int {
    // SAFETY: an open WalFile; it is not used after this.
    unsafe {
        let flushed = flush(file);
        let inner = inner(file);
        let rc = methods(inner).xClose.map_or(ffi::SQLITE_OK, |f| f(inner));
        drop(Box::from_raw((*file.cast::<WalFile>()).run));
        (*file).pMethods = std::ptr::null();
        if flushed != ffi::SQLITE_OK {
            flushed
        } else {
            rc
        }
    }
}

/// A method that must see the file with everything written: writes the run
/// out, then calls the base's method.
macro_rules! after_flush {
    ($name:ident, $method:ident ( $($arg:ident : $ty:ty),* )) => {
        unsafe extern "C" fn $name(file: *mut ffi::sqlite3_file, $($arg: $ty),*) -> c_int {
            // SAFETY: SQLite passes an open WalFile.
            unsafe {
                let rc = flush(file);
                if rc != ffi::SQLITE_OK {
                    return rc;
                }
                let inner = inner(file);
                match methods(inner).$method {
                    Some(f) => f(inner, $($arg),*),
                    None => ffi::SQLITE_IOERR,
                }
            }
        }
    };
}

/// A method that does not touch the file's bytes: the base's.
macro_rules! passed_on {
    ($name:ident, $method:ident ( $($arg:ident : $ty:ty),* ) -> $ret:ty, $missing:expr) => {
        unsafe extern "C" fn $name(file: *mut ffi::sqlite3_file, $($arg: $ty),*) -> $ret {
            // SAFETY: SQLite passes an open WalFile.
            unsafe {
                let inner = inner(file);
                match methods(inner).$method {
                    Some(f) => f(inner, $($arg),*),
                    None => $missing,
                }
            }
        }
    };
}

after_flush!(read, xRead(buf: *mut c_void, amount: c_int, offset: i64));
after_flush!(truncate, xTruncate(size: i64));
after_flush!(sync, xSync(flags: c_int));
after_flush!(file_size, xFileSize(size: *mut i64));
after_flush!(file_control, xFileControl(op: c_int, arg: *mut c_void));
passed_on!(lock, xLock(level: c_int) -> c_int, ffi::SQLITE_IOERR);
passed_on!(unlock, xUnlock(level: c_int) -> c_int, ffi::SQLITE_IOERR);
passed_on!(reserved, xCheckReservedLock(out: *mut c_int) -> c_int, ffi::SQLITE_IOERR);
passed_on!(sector_size, xSectorSize() -> c_int, 4096);
passed_on!(device, xDeviceCharacteristics() -> c_int, 0);
passed_on!(shm_map, xShmMap(page: c_int, size: c_int, extend: c_int, out: *mut *mut c_void) -> c_int, ffi::SQLITE_IOERR);
passed_on!(shm_lock, xShmLock(offset: c_int, n: c_int, flags: c_int) -> c_int, ffi::SQLITE_IOERR);
passed_on!(shm_unmap, xShmUnmap(delete: c_int) -> c_int, ffi::SQLITE_OK);
passed_on!(fetch, xFetch(offset: i64, amount: c_int, out: *mut *mut c_void) -> c_int, ffi::SQLITE_OK);
passed_on!(unfetch, xUnfetch(offset: i64, p: *mut c_void) -> c_int, ffi::SQLITE_OK);

unsafe extern "C" fn shm_barrier(file: *mut ffi::sqlite3_file) {
    // SAFETY: SQLite passes an open WalFile.
    unsafe {
        let inner = inner(file);
        if let Some(f) = methods(inner).xShmBarrier {
            f(inner);
        }
    }
}

static WAL_METHODS: ffi::sqlite3_io_methods = ffi::sqlite3_io_methods {
    iVersion: 3,
    xClose: Some(close),
    xRead: Some(read),
    xWrite: Some(write),
    xTruncate: Some(truncate),
    xSync: Some(sync),
    xFileSize: Some(file_size),
    xLock: Some(lock),
    xUnlock: Some(unlock),
    xCheckReservedLock: Some(reserved),
    xFileControl: Some(file_control),
    xSectorSize: Some(sector_size),
    xDeviceCharacteristics: Some(device),
    xShmMap: Some(shm_map),
    xShmLock: Some(shm_lock),
    xShmBarrier: Some(shm_barrier),
    xShmUnmap: Some(shm_unmap),
    xFetch: Some(fetch),
    xUnfetch: Some(unfetch),
};

#[cfg(test)]
mod tests {
    use rusqlite::{Connection, OpenFlags};

    use super::*;

    fn open_with_vfs(path: &std::path::Path) -> Connection {
        assert!(register());
        let conn = Connection::open_with_flags_and_vfs(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE,
            NAME,
        )
        .unwrap();
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
             PRAGMA wal_autocheckpoint = 0;",
        )
        .unwrap();
        conn
    }

    /// A new database (in a directory removed with the `TempDir`) with
    /// table `t`, through the VFS.
    fn create() -> (tempfile::TempDir, std::path::PathBuf, Connection) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let conn = open_with_vfs(&path);
        conn.execute_batch("CREATE TABLE t (n INTEGER, pad BLOB)")
            .unwrap();
        (dir, path, conn)
    }

    /// Inserts a row into `t` for each of `ns`, with `pad` bytes of padding.
    fn insert(conn: &Connection, ns: std::ops::Range<i64>, pad: i64) {
        for n in ns {
            conn.execute("INSERT INTO t VALUES (?1, zeroblob(?2))", [n, pad])
                .unwrap();
        }
    }

    /// `t`'s rows as a new connection through the default VFS reads them,
    /// after checking the database's integrity.
    fn reopened_rows(path: &std::path::Path) -> (i64, i64) {
        let reopened = Connection::open(path).unwrap();
        let check: String = reopened
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(check, "ok");
        rows(&reopened)
    }

    fn rows(conn: &Connection) -> (i64, i64) {
        conn.query_row("SELECT count(*), coalesce(sum(n), 0) FROM t", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap()
    }

    #[test]
    fn a_commit_is_written_in_few_writes_and_others_see_it() {
        let (_dir, path, conn) = create();
        let other = Connection::open(&path).unwrap();
        for round in 1..=5i64 {
            let before = wal_writes();
            let tx = conn.unchecked_transaction().unwrap();
            // Two rows a page: ~100 frames, 0.4 MB, a transaction.
            insert(&tx, 0..200, 2000);
            tx.commit().unwrap();
            // In writes of up to 124 KiB, instead of two a frame.
            let writes = wal_writes() - before;
            assert!((1..=10).contains(&writes), "round {round}: {writes} writes");
            // A connection through the default VFS reads the WAL file.
            assert_eq!(rows(&other), (200 * round, 19_900 * round));
        }
        drop(conn);
        assert_eq!(reopened_rows(&path), (1_000, 99_500));
    }

    /// What a crash right after the commit would leave: copies of the
    /// database and its WAL, recovered by a new connection.
    fn rows_after_crash(path: &std::path::Path) -> (i64, i64) {
        let copy = path.with_extension("copy");
        std::fs::copy(path, &copy).unwrap();
        let wal = |p: &std::path::Path| {
            let mut name = p.as_os_str().to_owned();
            name.push("-wal");
            std::path::PathBuf::from(name)
        };
        std::fs::copy(wal(path), wal(&copy)).unwrap();
        reopened_rows(&copy)
    }

    #[test]
    fn a_commit_that_rewrites_spilled_frames_survives_a_crash() {
        let (_dir, path, conn) = create();
        conn.execute_batch("PRAGMA cache_size = 10").unwrap();
        let tx = conn.unchecked_transaction().unwrap();
        insert(&tx, 0..500, 3000);
        // Pages already spilled into the WAL change again: SQLite rewrites
        // them in place and then every later frame header's checksum, the
        // commit frame's last.
        tx.execute("UPDATE t SET n = -n WHERE rowid % 7 = 0", [])
            .unwrap();
        insert(&tx, 500..600, 3000);
        tx.commit().unwrap();
        // Rows with rowid % 7 = 0 hold n = rowid - 1, negated.
        let negated: i64 = (1..=500).filter(|r| r % 7 == 0).map(|r| r - 1).sum();
        let expected = (600, 179_700 - 2 * negated);
        // Copied before this connection reads (a read writes the run out)
        // or closes.
        assert_eq!(rows_after_crash(&path), expected);
        assert_eq!(rows(&conn), expected);
    }

    #[test]
    fn a_failed_write_fails_its_commit_and_the_next_commit_is_whole() {
        let (_dir, path, conn) = create();
        insert(&conn, 1000..1001, 10);
        let commit = |ns| {
            let tx = conn.unchecked_transaction().unwrap();
            insert(&tx, ns, 2000);
            tx.commit()
        };
        // The commit's run fails to reach the file: the commit fails.
        FAILING_FLUSHES.set(1);
        let failed = commit(0..200).unwrap_err();
        assert!(failed.to_string().contains("full"), "{failed}");
        assert_eq!(FAILING_FLUSHES.get(), 0);
        assert_eq!(rows(&conn), (1, 1000));
        // The next, shorter transaction goes where the failed one's frames
        // were (rewrites in place, its commit frame among them).
        commit(0..150).unwrap();
        let expected = (151, 1000 + 11_175);
        assert_eq!(rows_after_crash(&path), expected);
        assert_eq!(rows(&conn), expected);
        drop(conn);
        assert_eq!(reopened_rows(&path), expected);
    }

    #[test]
    fn a_rolled_back_spill_is_overwritten_by_the_next_commit() {
        let (_dir, path, conn) = create();
        // A 10-page cache spills a big transaction's pages into the WAL
        // before its commit; those frames are then rolled back.
        conn.execute_batch("PRAGMA cache_size = 10").unwrap();
        let before = wal_writes();
        let tx = conn.unchecked_transaction().unwrap();
        insert(&tx, 0..500, 3000);
        // Read back what was spilled, inside the transaction.
        assert_eq!(rows(&tx), (500, 124_750));
        assert!(
            wal_writes() > before,
            "the transaction spilled into the WAL"
        );
        tx.rollback().unwrap();
        assert_eq!(rows(&conn), (0, 0));
        let tx = conn.unchecked_transaction().unwrap();
        insert(&tx, 0..300, 3000);
        tx.commit().unwrap();
        // Restart the log and write again from its start.
        conn.query_row("PRAGMA wal_checkpoint(RESTART)", [], |_| Ok(()))
            .unwrap();
        insert(&conn, 1000..1001, 10);
        drop(conn);
        assert_eq!(reopened_rows(&path), (301, 45_850));
    }
}
