//! Sorting that costs a plugin's wasm one copy of the standard library's sort.
//!
//! Every `slice::sort_by` call site compiles the whole stable sort (about 4 KB of wasm) for its
//! element type and comparator, so a plugin that sorts accounts, services, records, warnings,
//! failures and secrets carries a dozen copies. [`sort_by`] sorts positions instead, through
//! one comparator type, and then moves the items into place: the sort is compiled once,
//! whatever is sorted, and what each call site adds is a few hundred bytes. The contract's
//! sorted outputs are sorted with it, and plugins may use it too.

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

/// Returns the positions `0..len` sorted by `compare`, or `None` when they are in order
/// already: the one instance of the standard library's sort.
fn sorted_positions(len: usize, compare: &dyn Fn(usize, usize) -> Ordering) -> Option<Vec<usize>> {
    if (1..len).all(|i| compare(i - 1, i) != Ordering::Greater) {
        return None;
    }
    let mut order: Vec<usize> = (0..len).collect();
    order.sort_by(|a, b| compare(*a, *b));
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
    fn empty_and_single_lists_stay_as_they_are() {
        let mut empty: Vec<String> = Vec::new();
        sort(&mut empty);
        let mut one = vec!["x".to_owned()];
        sort(&mut one);
        assert_eq!(one, ["x"]);
    }
}
