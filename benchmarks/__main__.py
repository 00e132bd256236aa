"""``python -m benchmarks COMMAND [options]``: run one of sfkd's benchmarks
(``python -m benchmarks COMMAND --help`` lists its options)."""
import argparse
import importlib
import sys

COMMANDS = {
    'steps': 'step-time ratios, FLOPs and peak memory of the distillation and SFTN steps',
    'cache': 'what the teacher-output cache saves: whole epochs, and the pipeline',
    'sftn': 'the SFTN teacher step against the plain teacher step (--profile: per operator)',
    'distill': 'one KD step against a hand-written PyTorch loop',
    'dense': 'dense distillation and SFTN detector steps on the Fashion-MNIST canvases',
}


def main(argv=None) -> None:
    """Run the benchmark that ``argv[0]`` names with the rest of ``argv``."""
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = argparse.ArgumentParser(
        prog='python -m benchmarks', usage='%(prog)s COMMAND [options]',
        description="Run one of sfkd's benchmarks; `python -m benchmarks COMMAND --help` "
                    'lists its options.',
        epilog='commands:\n' + '\n'.join(f'  {k:<9}{v}' for k, v in COMMANDS.items()),
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('command', choices=list(COMMANDS), metavar='COMMAND')
    if not argv or argv[0] not in COMMANDS:
        parser.parse_args(argv[:1])
    importlib.import_module(f'benchmarks.{argv[0]}').main(argv[1:])


if __name__ == '__main__':
    main()
