"""The README's generated blocks against the stored files, recomputed here."""
import csv
import json
import os.path as osp
import statistics

import pytest
from sfkd_testing import ROOT, docs_renderer

pytestmark = pytest.mark.docs

STUDY = 'pipeline_default'


def test_the_glance_row_and_command_of_the_main_job_are_the_stored_ones():
    text = docs_renderer('readme').at_a_glance()
    with open(osp.join(ROOT, 'results', STUDY, 'results.csv'), newline='') as f:
        runs = list(csv.DictReader(f))
    alone = [float(r['accuracy']) for r in runs if r['kind'] == 'alone']
    kd = [float(r['accuracy']) for r in runs if r['kind'] == 'distill'
          and r['teacher'] == 'standard' and r['method'] == 'kd']
    row = next(line for line in text.splitlines() if f'`results/{STUDY}/`' in line
               and line.startswith('|'))
    cells = [c.strip() for c in row.strip('|').split('|')]
    assert cells[2] == f'{statistics.mean(alone):.2f} ± {statistics.stdev(alone):.2f}'
    # the standard teacher's KD students are this study's best cell
    assert cells[3] == f'{statistics.mean(kd):.2f} ± {statistics.stdev(kd):.2f}'
    assert cells[5] == str(len(runs))
    command = json.load(open(osp.join(ROOT, 'results', STUDY, 'provenance.json')))['command']
    assert f'- `results/{STUDY}/`: `{command}`' in text.splitlines()


def test_the_quick_start_table_is_the_stored_report_s():
    stored = open(osp.join(ROOT, 'results', STUDY, 'results.md')).read().splitlines()
    text = docs_renderer('readme').quick_start_table(STUDY)
    assert [ln for ln in stored if ln.startswith('|')] == \
        [ln for ln in text.splitlines() if ln.startswith('|')]
    assert any(ln.startswith('Best student') and ln in text for ln in stored)
