# STARK-ST101: STARK-ST with a ResNet-101 backbone (up to layer3).
_base_ = './stark_st_r50.py'
model = dict(
    backbone=dict(
        depth=101,
        init_cfg=dict(type='Pretrained',
                      checkpoint='torchvision://resnet101')))
