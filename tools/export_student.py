"""Extract the student from a distiller checkpoint into a plain-model checkpoint.

Example::

    python tools/export_student.py work_dirs/kd/epoch_3.pth student.pth
    python tools/test.py configs/<plain student config>.py student.pth
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.join(osp.dirname(osp.abspath(__file__)), '..'))

from sfkd.engine.student_export import export_student  # noqa: E402
from sfkd.utils.errors import SfkdError  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('checkpoint', help='distiller checkpoint (epoch_N.pth)')
    parser.add_argument('out', help='student-only checkpoint to write')
    parser.add_argument('--prefix', default='student.', help='key prefix of the student')
    args = parser.parse_args()
    try:
        n = export_student(args.checkpoint, args.out, args.prefix)
    except SfkdError as err:
        sys.exit(f'sfkd: error: {err}')
    print(f'wrote {n} tensors to {args.out}')


if __name__ == '__main__':
    main()
