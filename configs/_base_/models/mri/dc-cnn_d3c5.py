# DC-CNN D3C5: 5 cascades of 3 3x3 convolutions (1->32->32->1) with data
# consistency, 49,285 parameters: the SFT-KD-Recon student.
model = dict(type='DCCNN', arch='D3C5', channels=32, residual=False)
