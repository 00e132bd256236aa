# Fashion-MNIST with training augmentation (fashion_mnist_aug_pipeline.py: a
# random 28x28 crop of the image padded by 4 pixels and a horizontal flip with
# probability 0.5); the test pipeline stays plain.
_base_ = ['./fashion_mnist.py', './fashion_mnist_aug_pipeline.py']

train_pipeline = {{_base_.fmnist_aug_pipeline}}
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
