"""How the benchmark scripts record what they measured: the command as typed (paths
relative), and the figures as JSON with a Markdown report next to it."""
import json
import os
import os.path as osp
import sys


def command_line(script: str) -> str:
    """``python <script> <args>``, with absolute paths in the args made relative."""
    return ' '.join([f'python {script}'] + [osp.relpath(a) if osp.isabs(a) else a
                                            for a in sys.argv[1:]])


def write_report(out: str, result: dict, lines: list, title: str) -> None:
    """``result`` to ``out`` (JSON) and ``lines`` with the command to ``<out>.md``."""
    os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
    with open(out, 'w') as f:
        json.dump(result, f, indent=2)
    with open(osp.splitext(out)[0] + '.md', 'w') as f:
        f.write(f'# {title}\n\n```\n' + '\n'.join(lines) +
                f"\n```\n\nCommand: `{result['command']}`\n")
