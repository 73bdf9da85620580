"""Near-duplicates: questions whose word sets are nearly alike, found without comparing every pair.

Prefix filtering (Bayardo, Ma and Srikant, "Scaling up all pairs similarity search", 2007), on
groups of k words: with every question's words ordered rarest first, two sets sharing at least
o ≥ k words have their k rarest shared words among the first |x| − o + k words of each. So a
question is indexed under the k-word groups of that short prefix, and only questions met under
one of its own groups are compared. Words every Vietnamese question shares (của, hành, chính)
rarely make a group, candidate lists stay short, and no pair the threshold admits is missed.
Sets of up to SHORT words use triples (fewer candidates); longer ones pairs, since a long
prefix has too many triples. A question looks in each index its possible partners' sizes use.
"""
from collections import Counter, defaultdict
from heapq import merge
from itertools import combinations, islice

from core.text import fold

THRESHOLD = 0.85  # Jaccard similarity of the word sets
_NUM, _DEN = 17, 20  # THRESHOLD as a fraction: integer tests, no float rounding at the edge
MIN_WORDS = 4  # shorter texts ("Chọn đáp án đúng") are alike too often to warn about
SHORT = 40  # word sets up to this size are indexed by word triples, longer ones by pairs
# Earlier questions looked at per question at most: bounds the work on a file of thousands of
# look-alikes of one template (a near-copy still finds the earliest copy, the first it looks at).
MAX_CANDIDATES = 1_000


def near_duplicate_pairs(items: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(where of the earlier, where of the later) for every later text nearly alike an earlier
    one, naming the earliest such; identical word sets are left to the duplicate key."""
    bags = [frozenset(fold(text).split()) for _, text in items]
    frequency = Counter(word for bag in bags for word in bag)
    by_rarity = sorted(frequency, key=lambda word: (frequency[word], word))
    rank = {word: place for place, word in enumerate(by_rarity)}
    postings: dict[tuple[str, ...], list[int]] = defaultdict(list)  # word group → earlier indexes, ascending
    indexed: set[frozenset] = set()  # a word set is indexed once, under its earliest question
    pairs = []
    for index, bag in enumerate(bags):
        size = len(bag)
        if size < MIN_WORDS:
            continue
        ordered = sorted(bag, key=rank.__getitem__)  # rarest first, ties by the word itself
        lists = []
        if _min_overlap(size) <= SHORT:  # partners as short as SHORT words are possible
            lists += [postings[key] for key in _groups(ordered, 3) if key in postings]
        if size * _DEN // _NUM > SHORT:  # partners longer than SHORT words are possible
            lists += [postings[key] for key in _groups(ordered, 2) if key in postings]
        earlier = _earliest_alike(bag, lists, bags)
        if earlier is not None:
            pairs.append((items[earlier][0], items[index][0]))
        if bag not in indexed:
            indexed.add(bag)
            for key in _groups(ordered, 3 if size <= SHORT else 2):
                postings[key].append(index)
    return pairs


def _groups(ordered: list[str], k: int):
    """The k-word groups of the prefix that any set reaching the threshold must share one of."""
    size = len(ordered)
    return combinations(ordered[: size - _min_overlap(size) + k], k)


def _min_overlap(size: int) -> int:
    """⌈t·size⌉: the fewest shared words a set of this size needs to reach the threshold."""
    return -(-_NUM * size // _DEN)


def _earliest_alike(bag: frozenset, lists: list[list[int]], bags: list[frozenset]) -> int | None:
    if not lists:
        return None
    if sum(map(len, lists)) <= MAX_CANDIDATES:
        candidates = sorted(set().union(*lists))  # the usual case: a few short lists, joined in C
    else:
        candidates = islice(_distinct(merge(*lists)), MAX_CANDIDATES)  # lazy: stops at the first match
    size = len(bag)
    low, high = _min_overlap(size), size * _DEN // _NUM  # sizes a similar set can have
    for other in candidates:  # ascending, so the first match is the earliest
        candidate = bags[other]
        if low <= len(candidate) <= high and candidate != bag:
            shared = len(bag & candidate)
            if shared * _DEN >= _NUM * (size + len(candidate) - shared):
                return other
    return None


def _distinct(ascending):
    previous = -1
    for value in ascending:
        if value != previous:
            previous = value
            yield value
