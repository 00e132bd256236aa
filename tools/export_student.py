"""Extract the student (or teacher) of a wrapper checkpoint into a plain-model checkpoint.

Example::

    python tools/export_student.py work_dirs/kd/epoch_3.pth student.pth
    python tools/test.py configs/<plain student config>.py student.pth
    python tools/export_student.py work_dirs/sftn/epoch_5.pth teacher.pth --part teacher

The same as ``sfkd-export-student`` (:mod:`sfkd.tools.export_student`), which an
installed sfkd provides.
"""
from sfkd.tools.export_student import main

if __name__ == '__main__':
    main()
