"""`python -m add_tf.evaluate --run DIR [--dataset ... | --records DIR] [--comp ...]`: metrics.

    python -m add_tf.evaluate --run RUN                          # its own test split
    python -m add_tf.evaluate --run RUN --dataset faceswap       # another FF++ method
    python -m add_tf.evaluate --run RUN --records data/celebdf [--comp c23] [--split test|all]

Frame level ACC / AUC / EER / AP and Recall@1 (test embeddings against the training-split
embeddings of the evaluated records and quality, Euclidean), video level AUC / ACC (mean fake
probability per (method, video id)). The result is merged into DIR/metrics.json and printed as
a table, under:
- "test" (the run's own dataset and quality) or "test_{dataset}_{comp}" (any other);
- with --records (any set made by pipelines.prepare: FF++, Celeb-DF v2, DFDC, folders; every
  face of the split, originals and all fakes): "test_{set}_{quality}", or
  "test_{set}_{quality}_all" with --split all, `set` being the name in the records' manifest.
  Without --comp the quality is the one the student was trained on when the records hold it,
  else the best they hold. A set with one class only (a DFDC part of fakes) gets accuracy and
  Recall@1; AUC / EER / AP / video AUC are undefined there (null) and said so. --split all
  scores every split, with no Recall@1 (no gallery apart from the scored faces). Records whose
  faces were cut otherwise than the run's training faces (another crop size, detector or box
  scale: their crop recipes) are refused in one line;
- with --checkpoint, "@last" or "@{file name}" after the key: a result of another student
  never replaces the best validation's (add_tf.core.names.metrics_key).
"""

from __future__ import annotations

import argparse

from add_tf.core import config as config_lib
from add_tf.core import console, errors, table
from add_tf.core.names import LAST
from add_tf.evaluation.scored_records import SPLITS
from add_tf.synthetic import demo_data
from add_tf.training import model_card, runs


def build_parser():
    p = argparse.ArgumentParser(
        prog="python -m add_tf.evaluate", description="Evaluate a trained run on a test split.",
        epilog="--records scores any records of pipelines.prepare (Celeb-DF v2, DFDC, folders, "
               "FF++); see the module docstring.")
    p.add_argument("--run", required=True, help="run dir written by add_tf.fit")
    source = p.add_mutually_exclusive_group()
    source.add_argument("--dataset", choices=sorted(config_lib.DATASETS), help="default: the run's")
    source.add_argument("--records", help="a folder of records made by pipelines.prepare")
    p.add_argument("--comp", choices=config_lib.QUALITIES,
                   help="default: the run's (--records: the run's when the records hold it, "
                   "else their best)")
    p.add_argument("--split", choices=SPLITS, default=SPLITS[0],
                   help="--records: the test split (default) or every split")
    p.add_argument("--data-dir", help="default: the run's data.data_dir")
    p.add_argument("--checkpoint", help=f"a .keras file, a student .weights.h5, or '{LAST}': the "
                   "student of the last committed validation (default: RUN/student.keras, the "
                   "best validation's)")
    p.add_argument("--batch-size", type=int)
    p.add_argument("--gallery-limit", type=int, help="use at most N training faces for Recall@1")
    errors.add_debug_argument(p)
    return p


@errors.command
def main(argv=None):
    console.quiet()
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.records is None and args.split != SPLITS[0]:
        parser.error("--split applies to --records only")
    if args.records is not None and args.data_dir:
        parser.error("--data-dir applies to --dataset only (--records names the folder)")
    model_card.announce(*model_card.describe(args.run))
    from add_tf.evaluation import evaluator  # TensorFlow: after --help and usage errors

    if args.records is not None:
        key, result, notes = evaluator.evaluate_records(
            args.run, args.records, comp=args.comp, split=args.split,
            batch_size=args.batch_size, gallery_limit=args.gallery_limit,
            checkpoint=args.checkpoint)
        for note in notes:
            print(f"[evaluate] {note}")
        name = key
    else:
        config = runs.read_config(args.run)
        demo_data.ensure_for_run(args.run, config, args.dataset, args.data_dir)
        result = evaluator.evaluate_run(
            args.run,
            dataset=args.dataset,
            comp=args.comp,
            data_dir=args.data_dir,
            batch_size=args.batch_size,
            gallery_limit=args.gallery_limit,
            checkpoint=args.checkpoint,
        )
        name = f"{args.dataset or config.data.dataset}/{args.comp or config.data.comp}"
    print(table.format_metrics({name: result}, title_column="test"))
    return result


if __name__ == "__main__":
    main()
