"""WordNet 3.0 nouns, offline: names, definitions, example sentences and categories.

WordNet groups English nouns into **synsets**, sets of words with one meaning:
the synset `{car, auto, automobile, machine, motorcar}` has the definition "a
motor vehicle with four wheels; usually propelled by an internal combustion
engine" and the example sentence "he needs a car to get to work". Each synset
also belongs to one of 26 **lexicographer categories** (`noun.animal`,
`noun.artifact`, `noun.food`, ...; see WordNet's `lexnames(5WN)`).

The course ships all 82,115 noun synsets in `data/wordnet_nouns.npz`
(built by `scripts/build_data.py` from Debian's `wordnet-base`; see
`data/README.md`), and splits them once into a training and a test part:
`TEST_FRACTION` of each category, drawn with `course_lib.data.
train_validation_split` and `seed` (0 by default, the split every figure of the
course uses). Carve a validation part out of the training part the same way,
and make every choice (vocabulary, IDF statistics, epochs, temperature,
weights) on the training and validation parts only.

Lemma names come as WordNet writes them, with spaces for its underscores
(`"physical object"`); capitals mark proper names (`"Einstein"`). A synset has
one definition, one or more names and zero or more example sentences.
"""

from dataclasses import dataclass

import numpy as np

from course_lib._validation import as_integers, check_choice
from course_lib.data import load_shipped_arrays, train_validation_split

__all__ = ["TEST_FRACTION", "WordNetSynsets", "load_wordnet_nouns"]

#: The share of each category's synsets in the test split of `load_wordnet_nouns`.
TEST_FRACTION = 0.05

_FILE = "wordnet_nouns.npz"


def _lines(blob):
    """The newline-separated UTF-8 strings stored in a uint8 array."""
    return blob.tobytes().decode("utf-8").split("\n") if blob.size else []


def _grouped(strings, counts):
    """`strings` cut into consecutive groups of `counts[i]` items, as a tuple of tuples."""
    ends = np.cumsum(counts)
    if len(strings) != (int(ends[-1]) if len(ends) else 0):
        raise ValueError(
            f"{_FILE} is inconsistent: {len(strings)} strings for counts adding up to "
            f"{int(ends[-1]) if len(ends) else 0}. Restore it with `git checkout -- data/{_FILE}`."
        )
    return tuple(tuple(strings[end - count : end]) for end, count in zip(ends.tolist(), counts.tolist()))


@dataclass(frozen=True)
class WordNetSynsets:
    """Noun synsets of WordNet 3.0, one entry per synset in every field.

    Attributes:
        offset: int64 array `(n,)`, each synset's offset in WordNet's
            `data.noun`, its identifier (`02958343` is the car).
        category: int64 array `(n,)`, the lexicographer category, an index
            into `category_names`.
        names: tuple of `n` tuples of str, the lemma names, most frequent
            sense first as WordNet orders them (`("car", "auto", ...)`).
        definition: tuple of `n` str, the gloss without its examples.
        examples: tuple of `n` tuples of str, the example sentences (often none).
        category_names: tuple of the 26 category names, `"noun.Tops"` to
            `"noun.time"`.

    `len(synsets)` is the number of synsets; `synsets.subset(index)` keeps some
    of them; `flat_names()` and `flat_examples()` list every name or example
    with the index of its synset.
    """

    offset: np.ndarray
    category: np.ndarray
    names: tuple
    definition: tuple
    examples: tuple
    category_names: tuple

    def __len__(self):
        return len(self.definition)

    def subset(self, index):
        """The synsets at `index` (an int array, e.g. from `train_validation_split`), in that order."""
        index = as_integers(index, "index", what="synset positions")
        if index.ndim != 1 or (index.size and (index.min() < 0 or index.max() >= len(self))):
            raise ValueError(
                f"`index` must be a 1-D array of positions in 0..{len(self) - 1}; received shape "
                f"{index.shape}" + (f" with values from {index.min()} to {index.max()}." if index.size else ".")
            )
        rows = index.tolist()
        return WordNetSynsets(
            offset=self.offset[index],
            category=self.category[index],
            names=tuple(self.names[i] for i in rows),
            definition=tuple(self.definition[i] for i in rows),
            examples=tuple(self.examples[i] for i in rows),
            category_names=self.category_names,
        )

    def flat_names(self):
        """Every lemma name and the position of its synset: `(names, owner)`.

        Returns:
            A tuple `(names, owner)`: a list of str and an int64 array of the
            same length; a synset's names are consecutive, in synset order.
        """
        return _flatten(self.names)

    def flat_examples(self):
        """Every example sentence and the position of its synset: `(examples, owner)`."""
        return _flatten(self.examples)

    def __repr__(self):
        return (
            f"WordNetSynsets({len(self)} synsets, {sum(map(len, self.names))} names, "
            f"{sum(map(len, self.examples))} examples, {len(np.unique(self.category))} categories)"
        )


def _flatten(groups):
    flat = [item for group in groups for item in group]
    owner = np.repeat(np.arange(len(groups), dtype=np.int64), [len(group) for group in groups])
    return flat, owner


def load_wordnet_nouns(split="train", *, seed=0, data_dir=None):
    """Loads WordNet 3.0's noun synsets, or its training or test part.

    The test part is `TEST_FRACTION` of the synsets of every category, drawn
    by `course_lib.data.train_validation_split` with `seed`; the training part
    is the rest. The two are disjoint and together hold all 82,115 synsets.

    Args:
        split: `"train"`, `"test"` or `"all"`. Defaults to `"train"`.
        seed: non-negative int, the seed of the train/test split. Defaults to
            `0`, the split the course's figures use.
        data_dir: folder with the data; defaults to `course_lib.paths.data_dir()`.

    Returns:
        A `WordNetSynsets`, in WordNet's order (by offset).

    Raises:
        ValueError: for an unknown `split`, or a file whose checksum does not match.
        FileNotFoundError: if the shipped file or the manifest is missing.

    Example:

    >>> train, test = load_wordnet_nouns("train"), load_wordnet_nouns("test")
    >>> len(train), len(test), len(train) + len(test) == len(load_wordnet_nouns("all"))
    (78012, 4103, True)
    >>> car = list(train.offset).index(2958343)
    >>> train.names[car][:3], train.category_names[train.category[car]]
    (('car', 'auto', 'automobile'), 'noun.artifact')
    """
    check_choice(split, "split", ("train", "test", "all"))
    arrays = load_shipped_arrays(_FILE, data_dir=data_dir)
    synsets = WordNetSynsets(
        offset=arrays["synset_offset"].astype(np.int64),
        category=arrays["category"].astype(np.int64),
        names=tuple(
            tuple(name.replace("_", " ") for name in group)
            for group in _grouped(_lines(arrays["names"]), arrays["name_counts"])
        ),
        definition=tuple(_lines(arrays["definitions"])),
        examples=_grouped(_lines(arrays["examples"]), arrays["example_counts"]),
        category_names=tuple(_lines(arrays["category_names"])),
    )
    if split == "all":
        return synsets
    train_index, test_index = train_validation_split(synsets.category, validation_fraction=TEST_FRACTION, seed=seed)
    return synsets.subset(train_index if split == "train" else test_index)
