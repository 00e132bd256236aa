"""Draw one MRI test slice: ground truth, zero-filled and each model's reconstruction,
with their error maps below (PNG).

    python tools/analysis/draw_mri.py configs/mri/dc-cnn-d3c5_4x_mri-t1.py \
        "student alone=work_dirs/dc-cnn-d3c5_4x_mri-t1/teacher_final.pth" \
        "distilled=work_dirs/imitation-at-sft_d5c5_d3c5_4x_mri-t1/student_final.pth" \
        --out work_dirs/mri_slice.png
"""
import argparse
import sys

from sfkd.apis.mri_figure import draw_reconstructions
from sfkd.utils.errors import SfkdError


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config', help='the plain DC-CNN config the checkpoints load into')
    parser.add_argument('models', nargs='+', help='LABEL=CHECKPOINT, one per column')
    parser.add_argument('--out', default='work_dirs/mri_slice.png')
    parser.add_argument('--index', type=int, help='test item (default: the middle one)')
    parser.add_argument('--split', help="test split (default: the config's; e.g. test_macaque)")
    args = parser.parse_args()
    models = []
    for item in args.models:
        label, sep, ckpt = item.partition('=')
        if not sep:
            parser.error(f'{item!r}: give each model as LABEL=CHECKPOINT')
        models.append((label, ckpt))
    try:
        print(draw_reconstructions(args.config, models, args.out, args.index, args.split))
    except (SfkdError, FileNotFoundError) as err:
        sys.exit(f'sfkd: error: {err}')


if __name__ == '__main__':
    main()
