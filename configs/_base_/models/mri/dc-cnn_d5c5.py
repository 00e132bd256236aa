# DC-CNN D5C5: 5 cascades of 5 3x3 convolutions (1->32->32->32->32->1) with data
# consistency, 141,765 parameters: the SFT-KD-Recon teacher.
model = dict(type='DCCNN', arch='D5C5', channels=32, residual=False)
