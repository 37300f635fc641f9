//! Blocking file work from async code. On a current-thread runtime (a
//! one-shot command, which waits for each step anyway) it runs in place:
//! starting the blocking pool's first thread costs a command like
//! `presence get` a good part of its time. On a multi-threaded runtime (the
//! editor, which keeps drawing meanwhile) it goes to the blocking pool.

use tokio::runtime::{Handle, RuntimeFlavor};

/// Runs `f`, in place or on the blocking pool (see the module); `Err` with
/// the reason when the pool's task failed.
pub async fn run<T, F>(f: F) -> Result<T, String>
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    let in_place =
        Handle::try_current().map_or(true, |h| h.runtime_flavor() == RuntimeFlavor::CurrentThread);
    if in_place {
        return Ok(f());
    }
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    #[test]
    fn runs_in_place_on_a_current_thread_runtime_and_on_the_pool_otherwise() {
        let here = std::thread::current().id();
        let current = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let ran_on = current
            .block_on(super::run(|| std::thread::current().id()))
            .unwrap();
        assert_eq!(ran_on, here);
        let multi = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .build()
            .unwrap();
        let ran_on = multi
            .block_on(super::run(|| std::thread::current().id()))
            .unwrap();
        assert_ne!(ran_on, here);
    }
}
