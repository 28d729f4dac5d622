# STARK-ST stage 1 training data: LaSOT + GOT-10k vot_train + COCO 2017 +
# TrackingNet, sampled 1:1:1:1 (official DATASETS_RATIO), 60000 samples per
# epoch. Roots: train_dataloader.dataset.datasets[i].data_root (0 LaSOT,
# 1 GOT-10k, 2 COCO, 3 TrackingNet).
_base_ = ['./got10k_stark_st1.py']

lasot_root = 'data/lasot/'
got10k_root = 'data/got10k/'
coco_root = 'data/coco/'
trackingnet_root = 'data/trackingnet/'

train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='RandomSampleConcatDataset',
        weights=[1, 1, 1, 1],
        datasets=[
            dict(type='LaSOTDataset', data_root=lasot_root, split='train',
                 pipeline={{_base_.train_pipeline}}),
            dict(type='GOT10kDataset', data_root=got10k_root,
                 split='vot_train', pipeline={{_base_.train_pipeline}}),
            dict(type='SOTCocoDataset', data_root=coco_root, split='train',
                 pipeline={{_base_.train_pipeline}}),
            dict(type='TrackingNetDataset', data_root=trackingnet_root,
                 split='train', pipeline={{_base_.train_pipeline}}),
        ]))
