"""Trials of notebook 03's triplet recipe, scored on the validation images only.

Each trial trains a fresh encoder of notebook 03 (`build_cnn_encoder`, pooling
before normalisation) with `TripletLoss` on class-balanced batches fed by
`gather_batches`, then prints the validation R@1 and MAP@R (the last 2,000
training images, as in the notebook) and the training seconds. The test images
are never loaded. Pin it to one CPU to compare with Binder:

    taskset -c 0 .venv/bin/python scripts/triplet_recipe_trials.py --steps 500 1000
    .venv/bin/python scripts/triplet_recipe_trials.py --steps 1000 --learning-rate 1e-2 --seeds 0 1 2
    .venv/bin/python scripts/triplet_recipe_trials.py --filters 12,24,48 32,64,128 --seeds 0 1 2

Every combination of the values given is one trial. `--flip` adds horizontally
mirrored copies for half the images of each batch; `--mirror-average` prints a
second row per trial, scoring each validation image by the sum of its embedding
and its mirror image's.
"""

import argparse
import itertools
import time

import numpy as np


def _arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mining", nargs="+", default=["semi_hard"], help="batch_all, batch_hard, semi_hard")
    parser.add_argument("--steps", nargs="+", type=int, default=[500])
    parser.add_argument("--learning-rate", nargs="+", type=float, default=[5e-3])
    parser.add_argument("--margin", nargs="+", type=float, default=[0.2])
    parser.add_argument("--embedding-dim", nargs="+", type=int, default=[64])
    parser.add_argument("--batch", nargs="+", default=["10x12"], help="P x K: classes x images per class")
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--flip", action="store_true", help="mirror half the images of each batch")
    parser.add_argument("--filters", nargs="+", default=["12,24,48"], help="channels per block, e.g. 16,32,64")
    parser.add_argument("--pooling", nargs="+", default=["flatten"], help="flatten or average")
    parser.add_argument(
        "--mirror-average", action="store_true",
        help="also score each image by the sum of its embedding and its mirror image's (a second row per trial)",
    )  # fmt: skip
    return parser.parse_args()


def main():
    arguments = _arguments()
    from course_lib.device import setup_device

    setup_device(seed=0)
    import keras

    from course_lib import evaluate_retrieval
    from course_lib.data import load_fashion_mnist
    from course_lib.losses import TripletLoss
    from course_lib.models import build_cnn_encoder
    from course_lib.pipeline import gather_batches
    from course_lib.sampling import class_balanced_batches

    x_train, y_train = load_fashion_mnist("train")
    x_fit, y_fit = x_train[:18_000], y_train[:18_000]
    x_val, y_val = x_train[18_000:], y_train[18_000:]
    if arguments.flip:
        images, labels = np.concatenate([x_fit, x_fit[:, :, ::-1]]), np.concatenate([y_fit, y_fit])
    else:
        images, labels = x_fit, y_fit
    print(
        f"{'mining':10s} {'steps':>5s} {'lr':>7s} {'margin':>6s} {'dim':>4s} {'P x K':>6s} {'seed':>4s}"
        f" {'val R@1':>7s} {'val MAP@R':>9s} {'train s':>7s}  filters pooling",
        flush=True,
    )
    trials = itertools.product(
        arguments.mining, arguments.steps, arguments.learning_rate, arguments.margin,
        arguments.embedding_dim, arguments.batch, arguments.filters, arguments.pooling, arguments.seeds,
    )  # fmt: skip
    for mining, steps, rate, margin, dim, batch, filters, pooling, seed in trials:
        classes, per_class = (int(value) for value in batch.lower().split("x"))
        batches = class_balanced_batches(
            y_fit, classes_per_batch=classes, samples_per_class=per_class, n_batches=steps, seed=seed
        )
        if arguments.flip:  # the mirrored copy of row r is row r + len(x_fit)
            batches = batches + len(x_fit) * (np.random.default_rng(seed).random(batches.shape) < 0.5)
        warmup = max(1, steps // 20)
        schedule = keras.optimizers.schedules.CosineDecay(0.0, steps - warmup, warmup_target=rate, warmup_steps=warmup)
        encoder = build_cnn_encoder(
            (28, 28), embedding_dim=dim, filters=tuple(int(f) for f in filters.split(",")),
            pooling=pooling, pool_before_norm=True, seed=seed,
        )  # fmt: skip
        encoder.compile(optimizer=keras.optimizers.Adam(schedule), loss=TripletLoss(margin=margin, mining=mining))
        start = time.perf_counter()
        encoder.fit(
            gather_batches((images, labels), batches), steps_per_epoch=steps, epochs=1, shuffle=False, verbose=0
        )
        seconds = time.perf_counter() - start
        embeddings = {"": encoder.predict(x_val, verbose=0)}
        if arguments.mirror_average:
            embeddings[" +mirror"] = embeddings[""] + encoder.predict(x_val[:, :, ::-1], verbose=0)
        for suffix, embedded in embeddings.items():
            scores = evaluate_retrieval(embedded, y_val)
            print(
                f"{mining:10s} {steps:5d} {rate:7.2g} {margin:6.2f} {dim:4d} {batch:>6s} {seed:4d}"
                f" {scores['R@1']:7.3f} {scores['MAP@R']:9.3f} {seconds:7.1f}  {filters} {pooling}{suffix}",
                flush=True,
            )


if __name__ == "__main__":
    main()
