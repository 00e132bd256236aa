"""The detection and segmentation sets: mmdet's COCO reader with its ids checked, and the
Fashion-MNIST canvas sets (registered on import)."""
from .checked_coco import CheckedCocoDataset
from .fashion_canvas_det import FashionCanvasDetDataset
from .fashion_canvas_seg import FashionCanvasSegDataset

__all__ = ['CheckedCocoDataset', 'FashionCanvasDetDataset', 'FashionCanvasSegDataset']
