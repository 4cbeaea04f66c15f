//! A heap cell that overwrites its bytes with zeros when dropped, for key
//! material held in types that do not wipe themselves.
//!
//! `ring` keeps an Ed25519 key pair's private scalar and an AEAD key's
//! schedule in plain arrays and does not clear them on drop. `Zeroizing`
//! cannot wrap them (they do not implement `Zeroize`), so [`Wiped`] moves
//! such a value to the heap once and, on drop, writes zeros over every byte
//! of it with volatile stores before freeing the allocation.
//!
//! This is sound only for types without drop glue: the value is never
//! dropped as a `T` (its bytes are gone by then), so a type that owned heap
//! memory would leak it and a type with a `Drop` impl would skip it. The
//! constructor refuses such types at compile time.
//!
//! What this cannot do: the value is built on the stack before it is moved
//! to the heap, and that stack copy is not wiped (the same limit as
//! `zeroize` itself; see `docs/security.md`).

use std::alloc::{Layout, dealloc};
use std::ptr::NonNull;
use std::sync::atomic::{Ordering, compiler_fence};

/// A boxed `T` whose bytes are zeroed before its memory is freed.
pub struct Wiped<T> {
    ptr: NonNull<T>,
}

// SAFETY: `Wiped<T>` owns its `T` exclusively, like `Box<T>`.
unsafe impl<T: Send> Send for Wiped<T> {}
// SAFETY: shared access only hands out `&T`, like `Box<T>`.
unsafe impl<T: Sync> Sync for Wiped<T> {}

impl<T> Wiped<T> {
    /// Move `value` to the heap.
    pub fn new(value: T) -> Wiped<T> {
        const {
            assert!(
                !std::mem::needs_drop::<T>(),
                "Wiped<T> needs a T without drop glue"
            )
        };
        Wiped {
            ptr: NonNull::from(Box::leak(Box::new(value))),
        }
    }

    /// Overwrite every byte of the value with zero. After this the value
    /// must not be read as a `T` again; only `Drop` and the tests call it.
    fn wipe(&mut self) {
        let bytes = self.ptr.as_ptr().cast::<u8>();
        for i in 0..std::mem::size_of::<T>() {
            // SAFETY: `bytes + i` lies inside our own live allocation of
            // `size_of::<T>()` bytes; writing a byte there is always valid.
            unsafe { std::ptr::write_volatile(bytes.add(i), 0) };
        }
        compiler_fence(Ordering::SeqCst);
    }
}

impl<T> std::ops::Deref for Wiped<T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: the pointer came from `Box::leak` and stays valid and
        // initialised until `drop`.
        unsafe { self.ptr.as_ref() }
    }
}

impl<T> Drop for Wiped<T> {
    fn drop(&mut self) {
        self.wipe();
        let layout = Layout::new::<T>();
        if layout.size() != 0 {
            // SAFETY: allocated by `Box::new` with this layout; the value
            // needs no drop (checked in `new`), so freeing the bytes is all
            // that `Box`'s drop would have done.
            unsafe { dealloc(self.ptr.as_ptr().cast::<u8>(), layout) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wipe_overwrites_every_byte() {
        let mut w = Wiped::new([0xA5u8; 97]);
        assert!(w.iter().all(|&b| b == 0xA5));
        w.wipe();
        // Still our allocation, and all-zero bytes are a valid [u8; 97].
        assert!(w.iter().all(|&b| b == 0), "{:?}", &w[..]);
    }

    #[test]
    fn wipe_covers_the_whole_value_of_a_struct() {
        #[derive(Debug)]
        struct Pair {
            a: [u64; 5],
            b: u16,
        }
        let mut w = Wiped::new(Pair {
            a: [u64::MAX; 5],
            b: 0xBEEF,
        });
        assert_eq!(w.b, 0xBEEF);
        w.wipe();
        assert_eq!(w.a, [0; 5]);
        assert_eq!(w.b, 0);
    }

    #[test]
    fn zero_sized_values_are_fine() {
        let w = Wiped::new(());
        drop(w);
    }

    #[test]
    fn ring_key_types_have_no_drop_glue() {
        // If ring ever gives these a destructor, `Wiped` would skip it:
        // this test (and the const assertion in `new`) would then fail.
        assert!(!std::mem::needs_drop::<ring::signature::Ed25519KeyPair>());
        assert!(!std::mem::needs_drop::<ring::aead::LessSafeKey>());
    }
}
