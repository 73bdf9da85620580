"""Near-duplicates: questions that differ by a few words, found without comparing every pair."""
from collections import defaultdict

from .normalize import fold

THRESHOLD = 0.85  # Jaccard similarity of the word sets
MAX_POSTING = 200  # words in more questions than this are too common to find candidates by


def near_duplicate_pairs(items: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(where of the earlier, where of the later) for every pair of texts nearly alike."""
    words = [frozenset(fold(text).split()) for _, text in items]
    postings: dict[str, list[int]] = defaultdict(list)
    for index, bag in enumerate(words):
        for word in bag:
            postings[word].append(index)
    pairs = []
    for index, bag in enumerate(words):
        if len(bag) < 4:
            continue
        candidates: set[int] = set()
        for word in bag:
            posting = postings[word]
            if len(posting) > MAX_POSTING:
                continue
            for other in posting:
                if other < index:
                    candidates.add(other)
        best = None
        for other in candidates:
            similarity = len(bag & words[other]) / len(bag | words[other])
            if words[other] != bag and similarity >= THRESHOLD:
                best = other if best is None else min(best, other)
        if best is not None:
            pairs.append((items[best][0], items[index][0]))
    return pairs
