"""Extract the student (or teacher) of a wrapper checkpoint into a plain-model checkpoint.

Example::

    sfkd-export-student work_dirs/kd/epoch_3.pth student.pth
    sfkd-test sfkd::<plain student config>.py student.pth
    sfkd-export-student work_dirs/sftn/epoch_5.pth teacher.pth --part teacher

``python -m sfkd.tools.export_student`` and a clone's ``tools/export_student.py``
are the same command.
"""
import argparse
from typing import Optional, Sequence

from sfkd.utils.errors import SfkdError

PROG = 'sfkd-export-student'


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.splitlines()[0])
    parser.add_argument('checkpoint', help='Distiller, SFTN or SoTeacher checkpoint (epoch_N.pth)')
    parser.add_argument('out', help='checkpoint of the part alone, to write')
    parser.add_argument('--part', default='student', choices=['student', 'teacher'],
                        help='which part to extract')
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> None:
    """The command; an sfkd error is one ``sfkd: error:`` line."""
    from sfkd.engine.submodel_export import export_submodel
    args = parse_args(argv)
    try:
        n = export_submodel(args.checkpoint, args.out, args.part)
    except SfkdError as err:
        raise SystemExit(f'sfkd: error: {err}') from None
    print(f'wrote {n} tensors to {args.out}')


if __name__ == '__main__':
    main()
