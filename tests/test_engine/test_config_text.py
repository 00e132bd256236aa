"""The runner's config formats its text once per content, and the text is MMEngine's."""
import pytest
from mmengine.config import Config
from mmengine.config import config as mmengine_config

from sfkd.engine import config_text
from sfkd.engine.config_text import FormattedOnceConfig, formatted_once

pytestmark = pytest.mark.unit


@pytest.fixture
def formats(monkeypatch):
    monkeypatch.delenv('SFKD_FORMAT_CONFIG', raising=False)  # as outside the tests
    monkeypatch.setattr(config_text, '_formatted', type(config_text._formatted)())
    calls = []
    original = mmengine_config.FormatCode

    def counted(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)
    monkeypatch.setattr(mmengine_config, 'FormatCode', counted)
    return calls


def test_same_content_is_formatted_once_and_reads_as_mmengines(formats):
    plain = Config(dict(model=dict(type='A', depth=[1, 2, 3]), work_dir='w'))
    mine = formatted_once(plain)
    assert isinstance(mine, FormattedOnceConfig) and type(plain) is Config
    expected = plain.pretty_text
    assert len(formats) == 1
    assert mine.pretty_text == expected and mine.pretty_text == expected
    assert len(formats) == 2  # mine formatted once, then reused
    mine.model.depth = [4]
    changed = mine.pretty_text
    assert len(formats) == 3 and changed != expected
    assert changed == Config(mine.to_dict()).pretty_text


def test_copies_stay_formatted_once_and_other_classes_are_left_alone(formats):
    import copy
    mine = formatted_once(Config(dict(a=1)))
    assert type(copy.deepcopy(mine)) is FormattedOnceConfig  # the Runner deep-copies it
    assert formatted_once(mine) is mine

    class Own(Config):
        pass
    own = Own(dict(a=1))
    assert formatted_once(own) is own


def test_sfkd_format_config_0_leaves_the_text_unformatted(formats, monkeypatch):
    plain = Config(dict(model=dict(type='A', depth=[1, 2, 3]), work_dir='w'))
    monkeypatch.setenv('SFKD_FORMAT_CONFIG', '0')
    raw = formatted_once(plain).pretty_text
    assert formats == []  # no yapf pass
    assert Config.fromstring(raw, '.py').to_dict() == plain.to_dict()  # the same config
    monkeypatch.setenv('SFKD_FORMAT_CONFIG', '1')
    assert formatted_once(plain).pretty_text == plain.pretty_text

