"""Extract the student (or teacher) of a wrapper checkpoint into a plain-model checkpoint.

Example::

    python tools/export_student.py work_dirs/kd/epoch_3.pth student.pth
    python tools/test.py configs/<plain student config>.py student.pth
    python tools/export_student.py work_dirs/sftn/epoch_5.pth teacher.pth --part teacher
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.join(osp.dirname(osp.abspath(__file__)), '..'))

from sfkd.engine.submodel_export import export_submodel  # noqa: E402
from sfkd.utils.errors import SfkdError  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('checkpoint', help='Distiller, SFTN or SoTeacher checkpoint (epoch_N.pth)')
    parser.add_argument('out', help='checkpoint of the part alone, to write')
    parser.add_argument('--part', default='student', choices=['student', 'teacher'],
                        help='which part to extract')
    args = parser.parse_args()
    try:
        n = export_submodel(args.checkpoint, args.out, args.part)
    except SfkdError as err:
        sys.exit(f'sfkd: error: {err}')
    print(f'wrote {n} tensors to {args.out}')


if __name__ == '__main__':
    main()
