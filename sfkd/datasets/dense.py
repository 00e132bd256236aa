"""The Fashion-MNIST canvas sets for detection and segmentation (registered on import)."""
from .fashion_canvas_det import FashionCanvasDetDataset
from .fashion_canvas_seg import FashionCanvasSegDataset

__all__ = ['FashionCanvasDetDataset', 'FashionCanvasSegDataset']
