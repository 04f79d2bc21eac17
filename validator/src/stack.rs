//! Threads with a stack of known size for the parsers that recurse.
//!
//! The JavaScript parser and the syntax-tree walk recurse once per level
//! of nesting. The rules bound that nesting before parsing (see
//! `rules::sink`), and the bound is only safe on a stack of known size: the
//! 2 MiB of an ordinary spawned thread holds a few hundred levels of an
//! unoptimised build, while a browser accepts thousands. So every file is
//! scanned on a thread of [`STACK_BYTES`]: the check runs inside one rayon
//! pool built with that stack size ([`pool`]), and code that reaches the
//! parser from any other thread is moved onto such a thread
//! ([`on_large_stack`]).
//!
//! The stack is address space reserved up front; only the pages a deep
//! parse touches become memory.

use std::cell::Cell;

/// The stack of every thread that parses JavaScript.
pub const STACK_BYTES: usize = 64 * 1024 * 1024;

thread_local! {
    /// Whether this thread was started with [`STACK_BYTES`] of stack.
    static LARGE_STACK: Cell<bool> = const { Cell::new(false) };
}

/// A thread pool whose threads have [`STACK_BYTES`] of stack, for one
/// check. `None` if the threads cannot be started; work then runs on the
/// caller's pool and [`on_large_stack`] moves each parse onto a thread of
/// its own, which is slower but just as safe.
pub fn pool() -> Option<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new()
        .thread_name(|index| format!("bundle-validator-{index}"))
        .stack_size(STACK_BYTES)
        .start_handler(|_| LARGE_STACK.with(|flag| flag.set(true)))
        .build()
        .ok()
}

/// Runs `work` on a thread with [`STACK_BYTES`] of stack: right here when
/// this thread has one, else on a new thread that lives only for `work`.
///
/// Should that thread fail to start, `work` runs here; the nesting bound
/// the callers apply keeps that safe for the few hundred levels any real
/// script needs.
pub fn on_large_stack<R: Send, F: FnOnce() -> R + Send>(work: F) -> R {
    if LARGE_STACK.with(Cell::get) {
        return work();
    }
    std::thread::scope(|scope| {
        // The work travels to the new thread only once it has started, so
        // it is still here to run if the thread cannot be had.
        let (sender, receiver) = std::sync::mpsc::channel::<F>();
        let spawned = std::thread::Builder::new()
            .name("bundle-validator-parse".into())
            .stack_size(STACK_BYTES)
            .spawn_scoped(scope, move || {
                LARGE_STACK.with(|flag| flag.set(true));
                receiver.recv().ok().map(|work| work())
            });
        let Ok(handle) = spawned else {
            return work();
        };
        if let Err(std::sync::mpsc::SendError(work)) = sender.send(work) {
            return work();
        }
        match handle.join() {
            Ok(Some(result)) => result,
            Ok(None) => unreachable!("the work was sent before the thread was joined"),
            // A panic inside `work` belongs to the caller.
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn work_runs_on_a_large_stack_from_any_thread() {
        assert!(!LARGE_STACK.with(Cell::get));
        let inside = on_large_stack(|| LARGE_STACK.with(Cell::get));
        assert!(inside);
        let pool = pool().expect("the test machine can start threads");
        assert!(pool.install(|| LARGE_STACK.with(Cell::get)));
        // Nested calls do not start another thread.
        let name =
            pool.install(|| on_large_stack(|| std::thread::current().name().map(str::to_owned)));
        assert!(name.is_some_and(|n| n.starts_with("bundle-validator-")));
    }
}
