"""Datasets and their preparation."""
from .fashion_canvas_det import FashionCanvasDetDataset
from .fashion_canvas_seg import FashionCanvasSegDataset

__all__ = ['FashionCanvasDetDataset', 'FashionCanvasSegDataset']
