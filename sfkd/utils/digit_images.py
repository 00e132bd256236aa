"""Rendered digit glyphs: the images of a synthesised simple data set.

Class ``c`` of a ``K``-class set is the number ``c`` written with ``k``
digits, ``k = len(str(K - 1))`` (zero-padded: ``'07'`` in a 100-class set),
so a set has as many classes as the target data set it stands in for. Each
image draws, from one seeded generator, a font (the DejaVu TrueType fonts
when installed, e.g. Debian's ``fonts-dejavu-core``, else Pillow's built-in
scalable font), a size, a random affine transform (rotation, shear, scale,
shift) and Gaussian pixel noise. Everything follows from ``seed``: the same
arguments give the same images on any machine with the same fonts.

Used by :class:`~sfkd.datasets.SyntheticDigits` (a registered data set rendered
on the fly), by :class:`~sfkd.models.teacher_inputs.ClassConditionalInputs` and by
``tools/dataset_converters/make_synthetic_digits.py`` (IDX files). It lives here,
below the data sets and the models, so that neither imports the other.
"""
import glob
import math
from functools import lru_cache
from typing import Optional, Tuple

import numpy as np

from sfkd.utils.options import number

FONT_DIRS = ('/usr/share/fonts/truetype/dejavu', '/usr/share/fonts/TTF')
RENDER = 3  # glyphs are drawn at this multiple of the image size, then shrunk


@lru_cache(maxsize=None)
def font_files() -> Tuple[str, ...]:
    """The DejaVu TrueType fonts found (sorted), or ``()``: Pillow's built-in font is used."""
    found = set()
    for folder in FONT_DIRS:
        found.update(glob.glob(f'{folder}/DejaVu*.ttf'))
    return tuple(sorted(found))


@lru_cache(maxsize=256)
def _font(path: Optional[str], size: int):
    from PIL import ImageFont
    if path is None:
        return ImageFont.load_default(size=size)
    return ImageFont.truetype(path, size=size)


def digits_of(num_classes: int) -> int:
    """Digits per label string: 1 for up to 10 classes, 2 for up to 100, ..."""
    return len(str(num_classes - 1))


def label_text(label: int, num_classes: int) -> str:
    """The string that class ``label`` renders, e.g. ``'07'`` of 100 classes."""
    return str(label).zfill(digits_of(num_classes))


def render_one(text: str, size: int, rng: np.random.Generator) -> np.ndarray:
    """One ``size x size`` uint8 image of ``text``, white on black, transformed and noisy."""
    from PIL import Image, ImageDraw
    fonts = font_files()
    path = fonts[rng.integers(len(fonts))] if fonts else None
    big = size * RENDER
    # the string's height: most of the image for one digit, less for longer strings
    font_size = int(big * rng.uniform(0.55, 0.8) / max(1.0, 0.6 * len(text)) ** 0.5)
    font = _font(path, font_size)
    canvas = Image.new('L', (big, big), 0)
    draw = ImageDraw.Draw(canvas)
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    width, height = right - left, bottom - top
    fit = min(1.0, 0.85 * big / max(width, height, 1))  # long strings are shrunk to fit
    if fit < 1.0:
        font = _font(path, max(4, int(font_size * fit)))
        left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
        width, height = right - left, bottom - top
    draw.text(((big - width) / 2 - left, (big - height) / 2 - top), text, fill=255, font=font)
    # random affine about the centre: output pixel p reads input A p + b
    angle = math.radians(rng.uniform(-15, 15))
    shear = rng.uniform(-0.25, 0.25)
    scale = rng.uniform(0.85, 1.15)
    shift = rng.uniform(-0.08, 0.08, size=2) * big
    cos, sin = math.cos(angle), math.sin(angle)
    forward = np.array([[cos, -sin + shear * cos], [sin, cos + shear * sin]]) * scale
    inverse = np.linalg.inv(forward)
    centre = np.array([big / 2, big / 2])
    offset = centre - inverse @ (centre + shift)
    coeffs = (inverse[0, 0], inverse[0, 1], offset[0], inverse[1, 0], inverse[1, 1], offset[1])
    canvas = canvas.transform((big, big), Image.AFFINE, coeffs, resample=Image.BILINEAR)
    image = np.asarray(canvas.resize((size, size), Image.LANCZOS), dtype=np.float32)
    image = image * rng.uniform(0.7, 1.0) + rng.normal(0.0, rng.uniform(5, 25), image.shape)
    return np.clip(image, 0, 255).astype(np.uint8)


def render_digits(num_classes: int, num_samples: int, seed: int, size: int = 28,
                  labels: Optional[np.ndarray] = None) -> Tuple[np.ndarray, np.ndarray]:
    """Render a synthetic digit set.

    Args:
        num_classes: Number of classes (the target data set's).
        num_samples: Number of images; the classes are balanced (shuffled).
        seed: Seed of everything random.
        size: Image side in pixels.
        labels: Render these classes instead of a balanced shuffle.

    Returns:
        Images ``(N, size, size)`` uint8 and labels ``(N,)`` int64.
    """
    num_classes = number(num_classes, 'num_classes', at_least=2, integer=True)
    rng = np.random.default_rng(seed)
    if labels is None:
        labels = rng.permutation(np.arange(num_samples) % num_classes)
    labels = np.asarray(labels, dtype=np.int64)
    images = np.stack([render_one(label_text(int(y), num_classes), size, rng) for y in labels])
    return images, labels
