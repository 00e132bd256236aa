"""Bring an image to the number of channels a model takes: grey (1) or colour (3).

mmpretrain's ``ImageClassificationInferencer`` reads every image file in colour
(three channels, BGR), also a grey PNG; a Fashion-MNIST model takes one
channel. :class:`FitChannels`, first in the inference pipeline that
:func:`sfkd.apis.init_classifier` sets up, turns a colour image into grey
(OpenCV's BGR luminance weights; a grey PNG read in colour has three equal
channels and comes back unchanged) and repeats a grey image into three
channels for a colour model.
"""
import cv2
import numpy as np
from mmcv.transforms import BaseTransform

from sfkd.registry import TRANSFORMS
from sfkd.utils.errors import BadConfigError


def channels_of(img: np.ndarray) -> int:
    """1 for an ``HxW`` image, ``C`` for ``HxWxC``."""
    return 1 if img.ndim == 2 else int(img.shape[2])


@TRANSFORMS.register_module()
class FitChannels(BaseTransform):
    """Convert ``results['img']`` to ``channels`` (1 or 3) channels.

    A 3-channel image is taken as BGR, the order in which mmcv and OpenCV read
    files. Other channel counts (an ``HxWx4`` array) are refused with one line.
    """

    def __init__(self, channels: int) -> None:
        if channels not in (1, 3):
            raise BadConfigError(f'FitChannels: channels must be 1 (grey) or 3 (colour), '
                                 f'got {channels!r}')
        self.channels = channels

    def transform(self, results: dict) -> dict:
        img = results['img']
        have = channels_of(img) if img.ndim in (2, 3) else 0
        if have == self.channels:
            return results
        if self.channels == 1 and have == 3:
            img = cv2.cvtColor(np.ascontiguousarray(img), cv2.COLOR_BGR2GRAY)
        elif self.channels == 3 and have == 1:
            img = np.repeat(img.reshape(*img.shape[:2], 1), 3, axis=2)
        else:
            where = results.get('img_path') or 'an image'
            raise BadConfigError(
                f'{where} of shape {tuple(img.shape)} has {have} channels, the model takes '
                f'{self.channels} ({"grey" if self.channels == 1 else "colour"}); pass an HxW '
                'grey or an HxWx3 colour (BGR) image')
        results['img'] = img
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(channels={self.channels})'
