# Runtime shared by every sfkd config. What it names here is what every runner
# built from the config gets: sfkd-train, sfkd.apis.train, MMEngine's
# Runner.from_cfg (after `import sfkd`) and a project's runner. sfkd's schedules
# (_base_/schedules) name sfkd's train loop, which sets up train_pipeline_from,
# the data roots and the schedules fitted to max_epochs (sfkd.engine.training_setup).
default_scope = 'sfkd'
# built by runners that read runner_type (MMEngine's RUNNERS.build, `mim train`)
runner_type = 'sfkd.SfkdRunner'

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=2),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    # sfkd's own: refuse an empty training set, stop at the first non-finite loss,
    # tell the model the run's progress, and run the teacher-output cache of a
    # config with a top-level teacher_cache = dict(...)
    data_check=dict(type='DataCheckHook'),
    non_finite_loss=dict(type='NonFiniteLossHook'),
    training_progress=dict(type='TrainingProgressHook'),
    teacher_cache=dict(type='ConfigTeacherCacheHook'),
)

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'),
)

vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='Visualizer', vis_backends=vis_backends)

log_processor = dict(window_size=10, by_epoch=True)
log_level = 'INFO'
load_from = None
resume = False
randomness = dict(seed=0, deterministic=False)
