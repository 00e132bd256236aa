"""Parameters and FLOPs of a config's model, through MMEngine's complexity analysis.

Prints one row per part: a plain model; a distiller's student, teacher and
connectors; an SFTN/SoTeacher wrapper's teacher without and with its student
branches. FLOPs are multiply-accumulates for one input (batch 1), as MMEngine
counts them (normalisation, pooling and element-wise operations count as free).
No checkpoint is loaded, and nothing is fetched from the network: the numbers
depend on the architecture only. The models are built without their pretrained
weights (``pretrained``, ``init_cfg`` of type ``Pretrained``, ``teacher_ckpt``,
``student_ckpt``, ``student_init``), and the keys set aside are printed.

Examples::

    python tools/analysis/get_flops.py configs/sftn/sftn_small-resnet_tiny-resnet_fashion-mnist.py
    python tools/analysis/get_flops.py configs/baseline/small-resnet_3e_fashion-mnist.py \
        --shape 1 28 28
"""
import argparse
import logging
from typing import Optional, Sequence

from mmengine.config import DictAction

# distiller types whose frozen teacher is built trainable here (it would need its weights)
DISTILLERS = ('Distiller', 'sfkd.Distiller', 'AdversarialDistiller', 'sfkd.AdversarialDistiller')


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Parameters and FLOPs of a config\'s model')
    parser.add_argument('config', help='config file path (or sfkd::<path>)')
    parser.add_argument('--shape', type=int, nargs=3, metavar=('C', 'H', 'W'),
                        help='input shape (default: the model\'s input_shape)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config entries')
    return parser.parse_args(argv)


def run(argv: Optional[Sequence[str]] = None) -> str:
    from mmengine.logging import MMLogger
    from mmengine.registry import DefaultScope

    from sfkd.apis.complexity import format_table, model_complexity
    from sfkd.models.model_config import build_model
    from sfkd.models.without_weights import without_weights
    from sfkd.tools._config import UsageError, load_config, one_line_errors
    from sfkd.utils import register_all_modules

    args = parse_args(argv)
    register_all_modules(init_default_scope=False)
    cfg = load_config(args.config, args.cfg_options)
    # the architecture is enough: no weights are loaded or downloaded
    model_cfg, unloaded = without_weights(cfg.model.to_dict())
    if model_cfg.get('type') in DISTILLERS and model_cfg.get('teacher'):
        model_cfg.update(teacher_trainable=True)  # a frozen teacher would need its weights
    elif model_cfg.get('type') in ('SFTN', 'sfkd.SFTN', 'FriendlyTeacher',
                                   'sfkd.FriendlyTeacher'):
        model_cfg.update(branch_warmup_epochs=0)  # a warm-up needs the teacher's weights
    shape = args.shape or model_cfg.get('input_shape')
    if not shape:
        raise UsageError(f'{args.config}: the model has no input_shape; pass --shape C H W '
                         '(for example --shape 1 28 28 for Fashion-MNIST)')
    with one_line_errors(), DefaultScope.overwrite_default_scope('sfkd'):
        model = build_model(model_cfg, where='model')
        # the analyser warns about every operator it counts as free (norms, pooling, adds)
        logger = MMLogger.get_current_instance()
        level = logger.level
        logger.setLevel(logging.ERROR)
        try:
            rows = model_complexity(model, tuple(shape))
        except RuntimeError as err:  # an input the model cannot take (wrong channels)
            reason = ' '.join(str(err).split())[:200]
            raise UsageError(f'{args.config}: an input of shape {tuple(shape)} (C, H, W) does '
                             f'not fit the model ({reason}); pass --shape C H W with the '
                             'channels and size the model takes') from None
        finally:
            logger.setLevel(level)
    table = format_table(rows)
    print(f'{args.config}, input {tuple(shape)}')
    if unloaded:
        print('built without weights (FLOPs need none; not loaded or downloaded): '
              + ', '.join(unloaded))
    print(table)
    return table


def main(argv: Optional[Sequence[str]] = None) -> None:
    from sfkd.tools._config import error_last
    with error_last():
        run(argv)


if __name__ == '__main__':
    main()
