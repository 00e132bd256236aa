"""CPU distributed set-up: gloo, no device ids, and a clear refusal of SyncBN."""
import pytest
import torch
from mmengine.config import Config

from sfkd.engine.distributed import setup_distributed
from sfkd.utils.errors import BadConfigError

pytestmark = [pytest.mark.unit,
              pytest.mark.skipif(torch.cuda.is_available(), reason='checks the CPU path')]


def test_no_launcher_changes_nothing():
    cfg = Config(dict(launcher='none'))
    setup_distributed(cfg)
    assert 'model_wrapper_cfg' not in cfg


def test_sync_bn_is_refused_on_cpu():
    cfg = Config(dict(launcher='pytorch', sync_bn='torch'))
    with pytest.raises(BadConfigError, match='sync_bn=.torch. needs GPUs'):
        setup_distributed(cfg)


def test_pytorch_launcher_needs_torchrun_environment(monkeypatch):
    for key in ('RANK', 'WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT'):
        monkeypatch.delenv(key, raising=False)
    with pytest.raises(BadConfigError) as err:
        setup_distributed(Config(dict(launcher='pytorch')))
    # the command works wherever sfkd is installed (no clone's tools/dist_train.sh needed)
    assert str(err.value) == (
        "--launcher pytorch needs the environment variables ['RANK', 'WORLD_SIZE', "
        "'MASTER_ADDR', 'MASTER_PORT']; start the job with torchrun: python -m "
        'sfkd.tools.launch --nproc_per_node=N -m sfkd.tools.train CONFIG --launcher pytorch, '
        'or -m sfkd.tools.test CONFIG CHECKPOINT --launcher pytorch')


def test_a_gpu_launcher_on_cpu_names_the_torchrun_command():
    with pytest.raises(BadConfigError) as err:
        setup_distributed(Config(dict(launcher='slurm')))
    assert str(err.value) == (
        '--launcher slurm needs GPUs; on a CPU-only machine use --launcher pytorch under '
        'torchrun: python -m sfkd.tools.launch --nproc_per_node=N -m sfkd.tools.train CONFIG '
        '--launcher pytorch, or -m sfkd.tools.test CONFIG CHECKPOINT --launcher pytorch')


CHILD = '''
import logging, sys
import torch.distributed as dist
from sfkd.engine.distributed import teardown_distributed
dist.init_process_group('gloo', init_method='file://{store}', rank=0, world_size=1)
log = logging.getLogger('child')
log.addHandler(logging.FileHandler('{log}'))
log.warning('logged before the end')
sys.stdout.write('printed, not flushed')
teardown_distributed()
print('never reached')
'''


@pytest.mark.integration
def test_a_gloo_process_ends_at_teardown_with_its_output_flushed(tmp_path):
    """The gloo exit path (see ``teardown_distributed``): the group is left, the process
    ends there with status 0, and what it printed and logged is complete."""
    import subprocess
    import sys

    from sfkd_testing import subprocess_env
    code = CHILD.format(store=tmp_path / 'store', log=tmp_path / 'child.log')
    proc = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                          timeout=120, env=subprocess_env())
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == 'printed, not flushed'
    assert (tmp_path / 'child.log').read_text() == 'logged before the end\n'
