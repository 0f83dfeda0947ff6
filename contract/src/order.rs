//! Sorting that costs a plugin's wasm a few hundred bytes, not a copy of the standard library's
//! sort per call site.
//!
//! Every `slice::sort_by` call site compiles the whole stable sort (about 4 KB of wasm) for its
//! element type and comparator, so a plugin that sorts accounts, services, records, warnings,
//! failures and secrets carries a dozen copies. [`sort_by`] sorts positions instead, through
//! one comparator type, and then moves the items into place: the sort is compiled once,
//! whatever is sorted, and what each call site adds is a few hundred bytes. That one sort is a
//! plain bottom-up merge sort written here: stable, O(n log n) comparisons, and a tenth of the
//! size of the standard library's (whose pattern-defeating machinery a size-budgeted plugin
//! does not need). The contract's sorted outputs are sorted with it, and plugins may use it too.

use std::cmp::Ordering;

/// Sorts `items` by `compare`, stably; does nothing to items already in order.
pub fn sort_by<T>(items: &mut [T], compare: impl Fn(&T, &T) -> Ordering) {
    let len = items.len();
    if let Some(order) = sorted_positions(len, &|a, b| compare(&items[a], &items[b])) {
        move_into_place(order, &mut |a, b| items.swap(a, b));
    }
}

/// Sorts `items` by their own order, stably.
pub fn sort<T: Ord>(items: &mut [T]) {
    sort_by(items, T::cmp);
}

/// Returns the positions `0..len` sorted stably by `compare`, or `None` when they are in order
/// already: a bottom-up merge sort, runs of 1, 2, 4… merged into a second buffer and back.
fn sorted_positions(len: usize, compare: &dyn Fn(usize, usize) -> Ordering) -> Option<Vec<usize>> {
    if (1..len).all(|i| compare(i - 1, i) != Ordering::Greater) {
        return None;
    }
    let mut order: Vec<usize> = (0..len).collect();
    let mut merged = vec![0; len];
    let mut width = 1;
    while width < len {
        let mut start = 0;
        while start < len {
            let middle = (start + width).min(len);
            let end = (start + 2 * width).min(len);
            let (mut left, mut right) = (start, middle);
            for slot in &mut merged[start..end] {
                // The left run first among equals: the sort is stable.
                let from_left = right == end
                    || (left < middle && compare(order[left], order[right]) != Ordering::Greater);
                *slot = if from_left { order[left] } else { order[right] };
                if from_left {
                    left += 1;
                } else {
                    right += 1;
                }
            }
            start = end;
        }
        std::mem::swap(&mut order, &mut merged);
        width *= 2;
    }
    Some(order)
}

/// Moves the item at `order[i]` to `i`, for every `i`, following each cycle with `swap`.
fn move_into_place(mut order: Vec<usize>, swap: &mut dyn FnMut(usize, usize)) {
    const DONE: usize = usize::MAX;
    for start in 0..order.len() {
        let mut position = start;
        while order[position] != DONE {
            let source = order[position];
            order[position] = DONE;
            if source == start {
                break;
            }
            swap(position, source);
            position = source;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_are_sorted_stably() {
        let mut items = vec![(3, 'a'), (1, 'b'), (3, 'c'), (2, 'd'), (1, 'e')];
        sort_by(&mut items, |a, b| a.0.cmp(&b.0));
        assert_eq!(items, [(1, 'b'), (1, 'e'), (2, 'd'), (3, 'a'), (3, 'c')]);
    }

    #[test]
    fn every_permutation_of_five_is_sorted() {
        let mut permutations = vec![vec![]];
        for n in 0..5 {
            permutations = permutations
                .into_iter()
                .flat_map(|p: Vec<i32>| {
                    (0..=p.len()).map(move |at| {
                        let mut next = p.clone();
                        next.insert(at, n);
                        next
                    })
                })
                .collect();
        }
        assert_eq!(permutations.len(), 120);
        for mut items in permutations {
            let mut expected = items.clone();
            expected.sort();
            sort(&mut items);
            assert_eq!(items, expected);
        }
    }

    #[test]
    fn long_lists_with_many_equal_keys_sort_as_the_standard_library_sorts() {
        // A fixed pseudo-random sequence: lengths across powers of two, few distinct keys.
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for len in [2, 3, 7, 8, 9, 31, 64, 65, 100, 1000, 1025] {
            let items: Vec<(u64, usize)> = (0..len).map(|at| (next() % 10, at)).collect();
            let mut ours = items.clone();
            sort_by(&mut ours, |a, b| a.0.cmp(&b.0));
            let mut std_sorted = items;
            std_sorted.sort_by_key(|item| item.0);
            assert_eq!(ours, std_sorted, "{len} items");
        }
    }

    #[test]
    fn empty_and_single_lists_stay_as_they_are() {
        let mut empty: Vec<String> = Vec::new();
        sort(&mut empty);
        let mut one = vec!["x".to_owned()];
        sort(&mut one);
        assert_eq!(one, ["x"]);
    }
}
