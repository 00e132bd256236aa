"""Draw the ground truth and several models' boxes or masks on the same test images.

    python tools/analysis/draw_predictions.py --out predictions.png \
        --model teacher configs/baseline/retinanet-r34w32_fashion-det.py T.pth \
        --model student configs/baseline/retinanet-r18w16_fashion-det.py S.pth

Each --model is a column title, a plain mmdet or mmseg config and its
checkpoint (e.g. an exported teacher_final.pth or student_final.pth); drawn by
mmdet's DetLocalVisualizer or mmseg's SegLocalVisualizer.
"""
import argparse
import os.path as osp

from sfkd.tools._config import UsageError, error_last, one_line_errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--model', nargs=3, action='append', required=True,
                        metavar=('TITLE', 'CONFIG', 'CHECKPOINT'))
    parser.add_argument('--out', default='predictions.png', help='PNG file to write')
    parser.add_argument('--num-images', type=int, default=4, help='rows (test images)')
    parser.add_argument('--data-root', help="overrides the configs' data_root")
    parser.add_argument('--score-thr', type=float, default=0.3, help='smallest box score drawn')
    args = parser.parse_args()
    with error_last(), one_line_errors():
        from sfkd.apis.prediction_figure import draw_predictions
        for title, _, ckpt in args.model:
            if not osp.isfile(ckpt):
                raise UsageError(f'--model {title}: checkpoint {ckpt!r} not found; pass a '
                                 'teacher_final.pth, student_final.pth or epoch_N.pth')
        titles = draw_predictions([tuple(m) for m in args.model], args.out, args.num_images,
                                  args.data_root, score_thr=args.score_thr)
    print(f'{", ".join(titles)} drawn in {args.out}')


if __name__ == '__main__':
    main()
