"""Gradient norm of each distillation term against the cross-entropy's (a diagnostic, not a test).

    python benchmarks/gradient_share.py --runs OUT/runs/demo/resnet18 --records DATA/demo \
        [--seed 1] [--batches 4]

On training batches (c40 student, raw teacher) of the records, for the ADD student's terms:
the loss values, the norm of each term's gradient over the student's weights and its cosine
with the CE gradient, at the common random initialisation of the students of seed `--seed`,
at the end of that seed's ADD run and at the end of its plain ("none") run. Reads the runs of
`add_tf.experiments` (`RUNS/raw/teacher`, `RUNS/c40/{add,none}/seedN`).
"""

import argparse
import dataclasses
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras
import numpy as np
import tensorflow as tf

from add_tf.data import make_dataset
from add_tf.models import build_classifier
from add_tf.training import runs
from add_tf.training.distiller import Distiller


def flat(gradients, variables):
    return tf.concat([tf.reshape(tf.zeros_like(v) if g is None else g, [-1])
                      for g, v in zip(gradients, variables)], 0)


def shares(student, teacher, loss_config, batches):
    """Mean over the batches of {ce, |g_ce|, term, |g_term|, cos(ce, term)}."""
    distiller = Distiller(student, teacher, loss_config)
    rows = []
    for (teacher_images, student_images), labels in batches:
        labels = tf.cast(labels, tf.int32)
        teacher_features = distiller._teacher_forward(teacher_images)
        with tf.GradientTape(persistent=True) as tape:
            features = distiller._student_features(student_images, training=True)
            logits = tf.cast(features["logits"], tf.float32)
            ce = tf.reduce_mean(keras.losses.sparse_categorical_crossentropy(
                labels, logits, from_logits=True))
            terms = {term.name: term.compute_loss(teacher_features, features, labels,
                                                  tf.constant(0)) for term in distiller.terms}
        variables = student.trainable_variables
        g_ce = flat(tape.gradient(ce, variables), variables)
        row = {"ce": float(ce), "|g_ce|": float(tf.norm(g_ce))}
        for name, value in terms.items():
            g = flat(tape.gradient(value, variables), variables)
            row.update({name: float(value), f"|g_{name}|": float(tf.norm(g)),
                        f"cos(ce,{name})": float(tf.reduce_sum(g * g_ce)
                                                 / (tf.norm(g) * tf.norm(g_ce) + 1e-12))})
        rows.append(row)
    return {key: float(np.mean([row[key] for row in rows])) for key in rows[0]}


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", required=True)
    parser.add_argument("--records", required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--batches", type=int, default=4)
    args = parser.parse_args()
    add_run = os.path.join(args.runs, "c40", "add", f"seed{args.seed}")
    config = runs.read_config(add_run)
    loss_config = dataclasses.replace(config.loss, seed=args.seed)
    teacher = runs.load_model(os.path.join(args.runs, "raw", "teacher"))
    batches = list(make_dataset(args.records, "Demo", "train", "c40", "raw", batch_size=32,
                                training=True, seed=args.seed, repeat=True).take(args.batches))
    keras.utils.set_random_seed(args.seed)
    students = {
        "random initialisation": build_classifier(config.model.backbone,
                                                  image_size=config.model.image_size),
        "end of the ADD run": runs.load_model(add_run),
        "end of the plain run": runs.load_model(
            os.path.join(args.runs, "c40", "none", f"seed{args.seed}")),
    }
    for name, student in students.items():
        values = shares(student, teacher, loss_config, batches)
        print(f"{name}: " + ", ".join(f"{k} {v:.4g}" for k, v in values.items()), flush=True)


if __name__ == "__main__":
    main()
