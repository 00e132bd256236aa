"""Make the Fashion-MNIST canvases for detection and segmentation (data/fashion_canvases).

Real Fashion-MNIST items (1 to 4 per canvas, 16 to 32 pixels wide, limited
overlap) on 64x64 black canvases: small enough that a detector or segmentor
trains in minutes on two CPU cores, large enough for three FPN levels
(strides 8, 16, 32). Writes COCO boxes (annotations/<split>.json) and label
PNGs (<split>/labels/); a second run with the same settings does nothing.

The same as ``sfkd-prepare-data canvases`` (:mod:`sfkd.tools.prepare_data`), which an
installed sfkd provides.
"""
from sfkd.tools.prepare_data import command

main = command('canvases')

if __name__ == '__main__':
    main()
