"""The predictions figure: ground truth and each model's boxes or masks, drawn by mmdet's
and mmseg's visualisers on the same canvases."""
import subprocess
import sys

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from sfkd_testing import ROOT, subprocess_env

from sfkd.apis.prediction_figure import draw_predictions
from sfkd.models.model_config import build_model

pytestmark = pytest.mark.integration

B = f'{ROOT}/configs/baseline'
PAIRS = {'det': (f'{B}/retinanet-r34w32_fashion-det.py', f'{B}/retinanet-r18w16_fashion-det.py'),
         'seg': (f'{B}/fcn-r34w32_fashion-seg.py', f'{B}/fcn-r18w16_fashion-seg.py')}


def saved(cfg_path: str, path) -> str:
    torch.manual_seed(0)
    model = build_model(Config.fromfile(cfg_path).model.to_dict())
    torch.save({'state_dict': model.state_dict()}, path)
    return str(path)


@pytest.mark.parametrize('task', sorted(PAIRS))
def test_figure_has_a_ground_truth_column_and_one_per_model(task, canvas_root, tmp_path):
    teacher, student = PAIRS[task]
    models = [('teacher', teacher, saved(teacher, tmp_path / 't.pth')),
              ('student', student, saved(student, tmp_path / 's.pth'))]
    out = str(tmp_path / 'fig.png')
    titles = draw_predictions(models, out, num_images=2, data_root=canvas_root, scale=4,
                              score_thr=0.0)
    assert titles == ['ground truth', 'teacher', 'student']
    figure = cv2.imread(out)
    assert figure.shape == (24 + 2 * 256, 3 * 256, 3)
    canvas = cv2.imread(f'{canvas_root}test/images/test_00000.png')
    plain = cv2.resize(canvas, None, fx=4, fy=4, interpolation=cv2.INTER_NEAREST)
    truth = figure[24:24 + 256, :256]
    assert np.abs(truth.astype(int) - plain).sum() > 0  # the ground truth was drawn on it


def test_missing_checkpoint_is_one_line(tmp_path):
    proc = subprocess.run(
        [sys.executable, f'{ROOT}/tools/analysis/draw_predictions.py', '--out',
         str(tmp_path / 'f.png'), '--model', 'teacher', PAIRS['det'][0], '/nope.pth'],
        env=subprocess_env(), capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0 and 'Traceback' not in proc.stderr
    assert proc.stderr.strip() == ("sfkd: error: --model teacher: checkpoint '/nope.pth' not "
                                   'found; pass a teacher_final.pth, student_final.pth or '
                                   'epoch_N.pth')
    assert not (tmp_path / 'f.png').exists()
