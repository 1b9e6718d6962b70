//! `SecretString` wipes its memory: an allocator that inspects every block
//! freed while the test runs finds no copy of the secret in any of them.

use clerk_m2m_types::SecretString;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// Test-only fake secret; distinctive so nothing else contains it.
const SECRET: &str = "sk_test_SENTINELwipeSENTINEL";

static WATCHING: AtomicBool = AtomicBool::new(false);
static FREED_WITH_SECRET: AtomicUsize = AtomicUsize::new(0);

struct Inspecting;

// SAFETY: forwards every call to the system allocator; `dealloc` only reads
// the block it is handed, which is still allocated at that point.
unsafe impl GlobalAlloc for Inspecting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if WATCHING.load(Ordering::SeqCst) {
            let block = unsafe { std::slice::from_raw_parts(ptr, layout.size()) };
            if block
                .windows(SECRET.len())
                .any(|window| window == SECRET.as_bytes())
            {
                FREED_WITH_SECRET.fetch_add(1, Ordering::SeqCst);
            }
        }
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Inspecting = Inspecting;

fn freed_with_secret_during(work: impl FnOnce()) -> usize {
    FREED_WITH_SECRET.store(0, Ordering::SeqCst);
    WATCHING.store(true, Ordering::SeqCst);
    work();
    WATCHING.store(false, Ordering::SeqCst);
    FREED_WITH_SECRET.load(Ordering::SeqCst)
}

#[test]
fn secret_strings_leave_no_copy_in_freed_memory() {
    // The detector works: a plain String leaves its bytes behind.
    assert_eq!(freed_with_secret_during(|| drop(SECRET.to_owned())), 1);

    let freed = freed_with_secret_during(|| {
        // From an owned String with spare capacity (the String is wiped too).
        let mut owned = String::with_capacity(200);
        owned.push_str(SECRET);
        let secret = SecretString::new(owned);
        assert_eq!(secret.expose_secret(), SECRET);
        let copy = secret.clone();
        drop(secret);
        drop(copy);
        drop(SecretString::from(SECRET));
        let read: SecretString = serde_json::from_str(r#""sk_test_SENTINELwipeSENTINEL""#).unwrap();
        assert_eq!(read.expose_secret(), SECRET);
    });
    assert_eq!(freed, 0, "a freed block still held the secret");
}
