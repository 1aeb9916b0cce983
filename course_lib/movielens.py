"""MovieLens latest-small: who rated which movie when, and what each movie is.

The course ships the 2016 snapshot of GroupLens's "latest-small" dataset in
`data/movielens_small.npz`: 100,004 ratings by 671 users of 9,125 movies
(9,066 of them rated at least once), with each movie's title and genres and
1,296 free-text tags. `load_movielens` reads it (after checking its SHA-256)
into a `MovieLens` record whose fields are documented below;
`movie_tokens` turns a movie's genres, title words, decade and tags into the
token ids a content tower reads.

The data's licence (GroupLens's own) allows research and teaching use; it
forbids implying any endorsement by the University of Minnesota or GroupLens,
asks publications to cite F. Maxwell Harper and Joseph A. Konstan (2015), *The
MovieLens Datasets: History and Context*, ACM TiiS 5(4), and forbids
commercial use without GroupLens's permission. Any copy, transformed or not,
carries the same conditions; `data/README.md` quotes them in full.
"""

import dataclasses
import re

import numpy as np

from course_lib._validation import as_flags, check_positive_int
from course_lib.data import load_shipped_arrays

__all__ = ["MOVIELENS_FILE", "MovieLens", "load_movielens", "movie_tokens"]

MOVIELENS_FILE = "movielens_small.npz"
_YEAR = re.compile(r"\((\d{4})\)\s*$")
_WORD = re.compile(r"[^\W_]+")


@dataclasses.dataclass(frozen=True, eq=False)
class MovieLens:
    """MovieLens latest-small as arrays: ratings, movies and tag applications.

    Ratings (one entry per rating, in the order of the original `ratings.csv`:
    by user, then by MovieLens movie id):

    - `user`: int64 `(n_ratings,)`, the user, 0 to 670 (MovieLens's userId - 1).
    - `item`: int64 `(n_ratings,)`, the movie: a row of the movie arrays below.
    - `rating`: float32 `(n_ratings,)`, 0.5 to 5 stars in half stars.
    - `timestamp`: int64 `(n_ratings,)`, seconds since 1970-01-01 UTC. Many
      users rated several movies within the same second.

    Movies (one row per movie, by MovieLens movie id):

    - `movie_id`: int64 `(n_items,)`, MovieLens's movieId
      (https://movielens.org/movies/<movie_id>).
    - `title`: str `(n_items,)`, e.g. `"Toy Story (1995)"`, the year in parentheses.
    - `genres`: bool `(n_items, n_genres)`, True where the movie has the genre.
    - `genre_names`: tuple of `n_genres` str, the columns of `genres`
      (alphabetical; 18 movies have none).

    Tag applications (a user attaching a free-text tag to a movie, in the
    order of the original `tags.csv`):

    - `tag_user`, `tag_item`: int64 `(n_tags,)`, who tagged which movie.
    - `tag_text`: str `(n_tags,)`, the tag as typed, e.g. `"Cambodia"`.
    - `tag_timestamp`: int64 `(n_tags,)`, seconds since 1970-01-01 UTC.
    """

    user: np.ndarray
    item: np.ndarray
    rating: np.ndarray
    timestamp: np.ndarray
    movie_id: np.ndarray
    title: np.ndarray
    genres: np.ndarray
    genre_names: tuple
    tag_user: np.ndarray
    tag_item: np.ndarray
    tag_text: np.ndarray
    tag_timestamp: np.ndarray

    @property
    def n_users(self):
        """The number of users (671)."""
        return int(self.user.max()) + 1

    @property
    def n_items(self):
        """The number of movies (9,125), rated or not."""
        return len(self.movie_id)

    def __repr__(self):
        return (
            f"MovieLens({len(self.user):,} ratings by {self.n_users} users of {self.n_items:,} movies, "
            f"{len(self.genre_names)} genres, {len(self.tag_text):,} tag applications)"
        )


def load_movielens(*, data_dir=None):
    """Loads MovieLens latest-small (ratings, movies, tags) from the shipped file.

    Args:
        data_dir: folder with the data; defaults to `course_lib.paths.data_dir()`.

    Returns:
        A `MovieLens` record (see its fields).

    Raises:
        FileNotFoundError: if the shipped file or the manifest is missing.
        ValueError: if the file's checksum does not match the manifest.

    Example:

    >>> movielens = load_movielens()
    >>> movielens
    MovieLens(100,004 ratings by 671 users of 9,125 movies, 19 genres, 1,296 tag applications)
    >>> str(movielens.title[0]), [g for g, on in zip(movielens.genre_names, movielens.genres[0]) if on]
    ('Toy Story (1995)', ['Adventure', 'Animation', 'Children', 'Comedy', 'Fantasy'])
    >>> float(movielens.rating.min()), float(movielens.rating.max()), movielens.rating.dtype
    (0.5, 5.0, dtype('float32'))
    """
    arrays = load_shipped_arrays(MOVIELENS_FILE, data_dir=data_dir)
    tag_names = arrays["tag_names"]
    return MovieLens(
        user=arrays["user"].astype(np.int64),
        item=arrays["item"].astype(np.int64),
        rating=arrays["rating"].astype(np.float32) / np.float32(2.0),
        timestamp=arrays["timestamp"].astype(np.int64),
        movie_id=arrays["movie_id"].astype(np.int64),
        title=arrays["title"],
        genres=arrays["genres"].astype(bool),
        genre_names=tuple(str(name) for name in arrays["genre_names"]),
        tag_user=arrays["tag_user"].astype(np.int64),
        tag_item=arrays["tag_item"].astype(np.int64),
        tag_text=tag_names[arrays["tag"].astype(np.int64)],
        tag_timestamp=arrays["tag_timestamp"].astype(np.int64),
    )


def _movie_words(movielens, index, tag_items, tag_texts):
    """The tokens of one movie: genres, decade, title words, then tags (each once, in order)."""
    title = str(movielens.title[index])
    year = _YEAR.search(title)
    words = [f"genre:{name}" for name, on in zip(movielens.genre_names, movielens.genres[index]) if on]
    if year:
        words.append(f"decade:{int(year.group(1)) // 10 * 10}s")
        title = title[: year.start()]
    words += [f"title:{word}" for word in _WORD.findall(title.lower())]
    words += [f"tag:{tag.lower().strip()}" for tag in tag_texts[tag_items == index]]
    return list(dict.fromkeys(words))


def movie_tokens(movielens, *, min_count=2, max_tokens=32, use_tags=None):
    """Each movie's content as a padded row of token ids: genres, decade, title words, tags.

    A movie's tokens are its genres (`"genre:Comedy"`), the decade of the
    year in its title (`"decade:1990s"`), the lower-cased words of its title
    (`"title:story"`) and the tags users gave it (`"tag:pixar"`), each once,
    in that order, cut after `max_tokens`. Tokens that describe fewer than
    `min_count` movies are dropped: a word seen on one movie only cannot
    relate it to any other. Ids start at 1; 0 pads the rows.

    Tags are user activity: a tag from a user on the movie that user will be
    asked to predict would tell the model about the answer. Pass `use_tags`
    to keep only the tag applications made before the held-out interactions.

    Args:
        movielens: a `MovieLens` record, from `load_movielens`.
        min_count: int >= 1, the fewest movies a token must describe. Keyword-only.
            Defaults to `2`.
        max_tokens: int >= 1, the length of each row. Keyword-only. Defaults to `32`.
        use_tags: optional bool array `(n_tags,)`, True for the tag applications
            to use. Defaults to None: all of them.

    Returns:
        A tuple `(tokens, vocabulary)`: `tokens` int32 `(n_items, max_tokens)`,
        each movie's token ids followed by zeros; `vocabulary` a list of str
        with `vocabulary[0] == ""` (padding) and `vocabulary[i]` the token of id `i`.

    Raises:
        TypeError: if `movielens` is not a `MovieLens`, or a size is not an int.
        ValueError: if a size is below 1, or `use_tags` has the wrong length.

    Example:

    >>> tokens, vocabulary = movie_tokens(load_movielens(), max_tokens=12)
    >>> tokens.shape, vocabulary[0]
    ((9125, 12), '')
    >>> [vocabulary[i] for i in tokens[0] if i][4:]  # Toy Story (1995), after its first four genres
    ['genre:Fantasy', 'decade:1990s', 'title:toy', 'title:story', 'tag:pixar']
    """
    if not isinstance(movielens, MovieLens):
        raise TypeError(
            f"`movielens` must be the MovieLens record that load_movielens() returns; received "
            f"{type(movielens).__name__}."
        )
    min_count = check_positive_int(min_count, "min_count")
    max_tokens = check_positive_int(max_tokens, "max_tokens")
    tag_items, tag_texts = movielens.tag_item, movielens.tag_text
    if use_tags is not None:
        use_tags = as_flags(use_tags, "use_tags")
        if use_tags.shape != tag_items.shape:
            raise ValueError(
                f"`use_tags` must have one flag per tag application, shape {tag_items.shape}; "
                f"received shape {use_tags.shape}."
            )
        tag_items, tag_texts = tag_items[use_tags], tag_texts[use_tags]
    words = [_movie_words(movielens, index, tag_items, tag_texts) for index in range(movielens.n_items)]
    counts = {}
    for movie_words in words:
        for word in movie_words:
            counts[word] = counts.get(word, 0) + 1
    vocabulary = [""] + [word for word in counts if counts[word] >= min_count]
    ids = {word: index for index, word in enumerate(vocabulary)}
    tokens = np.zeros((movielens.n_items, max_tokens), dtype=np.int32)
    for row, movie_words in enumerate(words):
        kept = [ids[word] for word in movie_words if word in ids][:max_tokens]
        tokens[row, : len(kept)] = kept
    return tokens, vocabulary
