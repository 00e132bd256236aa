"""What the two-stage pipeline needs to know about a task, as data.

A :class:`Task` names the configs of its teachers, KD methods and the student
trained alone, the metrics to read from the message hub, its scales, and
optionally reference rows (results that need no training) and a drawing of
predictions. The pipeline (:mod:`sfkd.apis.pipeline`) and its report
(:mod:`sfkd.apis.report`) read nothing else, so a new task is one file in
this package plus its configs.
"""
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Mapping, Optional, Sequence, Tuple


@dataclass(frozen=True)
class Metric:
    """One number a run reports.

    Args:
        name: Column name in ``results.csv`` and key in ``result.json``.
        key: Message-hub key without the ``val/`` prefix, e.g.
            ``'accuracy/top1'``, ``'coco/bbox_mAP'``, ``'mIoU'``. A distillation
            run's teacher reports it as ``val/teacher.<key>``.
        label: Column title in the table, e.g. ``'top-1'``, ``'box mAP'``.
        factor: The hub value is multiplied by it (mmdet's mAP 0-1 -> %).
        digits: Decimals in the table.
        if_absent: The value when the evaluator reports nothing (mmdet's
            CocoMetric reports no mAP for a detector without a single
            detection, whose mAP is 0); None: a missing key is an error.
    """
    name: str
    key: str
    label: str
    factor: float = 1.0
    digits: int = 2
    if_absent: Optional[float] = None


@dataclass(frozen=True)
class TeacherSpec:
    """How one teacher type is trained, and how its students are weighted.

    Args:
        config: The teacher's training config: a file, or ``sfkd::<path>`` for one of
            sfkd's own configs (as the shipped tasks name theirs, so that they run
            wherever sfkd is installed).
        options: Extra ``--cfg-options`` of the teacher run.
        epochs: None: the scale's ``teacher_epochs``.
        finetune_from: A teacher type whose checkpoint this one starts from
            (of the same teacher seed).
        student_options: KD method -> extra ``--cfg-options`` of the students
            of this teacher when the scale's ``student_weights`` is
            ``'paper'``: the student stage as the teacher's paper runs it
            (e.g. SoTeacher's CE 0.5 / KD 0.5). Methods not named keep their
            config's weights.
    """
    config: str
    options: Tuple[str, ...] = ()
    epochs: Optional[int] = None
    finetune_from: Optional[str] = None
    student_options: Mapping[str, Tuple[str, ...]] = field(default_factory=dict)


@dataclass
class Scale:
    """How big the pipeline runs.

    ``train_size`` and ``val_size`` subset the data sets through the dataset's
    ``indices`` option (``None``: the whole set), which every MMEngine
    ``BaseDataset`` accepts.

    ``teacher_seeds``: every teacher type is trained once per teacher seed,
    and the students of each teacher seed run over ``seeds``. With the single
    teacher seed 0 (the default) the runs are named without it
    (``teacher_<type>``, ``<method>_<type>_seed<s>``); otherwise
    ``teacher_<type>_seed<t>`` and ``<method>_<type>_tseed<t>_seed<s>``.

    ``student_weights``: ``'shared'`` (default): every student keeps its KD
    config's loss weights, whatever its teacher; ``'paper'``: the students of
    a teacher type also get its :attr:`TeacherSpec.student_options`.

    ``train_pipeline_from``: a data config whose training pipeline
    (``train_dataloader.dataset.pipeline``) replaces that of every run, teachers
    and students (the ``train_pipeline_from`` option of ``sfkd-train``);
    None: each config's own.

    ``options``: extra ``--cfg-options`` of every run (e.g. a shorter
    warm-up for short schedules).

    ``teacher_cache``: whether the students read the teacher-output cache
    (:class:`~sfkd.engine.hooks.TeacherCacheHook`) by default; the pipeline's
    ``--teacher-cache``/``--no-teacher-cache`` override it.
    """
    name: str
    teacher_epochs: int
    student_epochs: int
    seeds: Sequence[int]
    teachers: Sequence[str]
    methods: Sequence[str]
    train_size: Optional[int] = None
    val_size: Optional[int] = None
    # teacher types by name; studies add variants (projects/sftn_study/sftn_study.py)
    teacher_specs: Mapping[str, TeacherSpec] = field(default_factory=dict)
    teacher_seeds: Sequence[int] = (0, )
    student_weights: str = 'shared'
    train_pipeline_from: Optional[str] = None
    options: Sequence[str] = ()
    teacher_cache: bool = False

    @property
    def seeded_teachers(self) -> bool:
        """Whether teacher runs are named by their seed (any teacher seeds but the single 0)."""
        return tuple(self.teacher_seeds) != (0, )


STUDENT_WEIGHTS = ('shared', 'paper')


def teacher_seed_text(scale: Scale) -> str:
    """``'seed 0'`` or ``'seeds [0, 1, 2]'``: the teacher seeds, for a task's ``describe``."""
    seeds = list(scale.teacher_seeds)
    return f'seed {seeds[0]}' if len(seeds) == 1 else f'seeds {seeds}'


@dataclass(frozen=True)
class Task:
    """A task as the pipeline sees it.

    Args:
        name: Short name for ``--task`` (``cls``, ``det``, ``seg``).
        title: What the results are on, for titles (``'Fashion-MNIST'``).
        student: The student's name, for the plot's title.
        teachers: Teacher types by name.
        methods: KD method name -> distillation config (its teacher comes in
            as ``model.teacher_ckpt``).
        student_alone: Config of the student trained without a teacher.
        metrics: What every run reports; the first one drives the table's
            cells and the plot.
        scales: Scales by name.
        describe: One sentence on the data and schedule of a scale, for
            ``results.md``.
        references: Rows that need no training (e.g. a zero-filled MRI
            reconstruction): label -> ``f(scale)`` returning metric name ->
            value.
        draw: ``f(results, scale, out_dir)`` drawing predictions into
            ``out_dir``; returns the file it wrote, or None.
        out_dir: Default output folder of a scale, ``{scale}`` formatted.
        method_labels: KD method name -> how tables and plots spell it
            (``'FitNets'``); a method not named is spelled ``name.upper()``.
        teacher_labels: teacher type -> how tables and plots spell it
            (``'SFTN'``); a type not named is spelled as its name.
        augmented_data: The data config whose training pipeline the pipeline's
            ``--augment`` gives every run (:attr:`Scale.train_pipeline_from`);
            None: the task has no augmented variant.
    """
    name: str
    title: str
    student: str
    teachers: Mapping[str, TeacherSpec]
    methods: Mapping[str, str]
    student_alone: str
    metrics: Sequence[Metric]
    scales: Mapping[str, Scale]
    describe: Callable[[Scale], str]
    references: Mapping[str, Callable[[Scale], Dict[str, float]]] = field(default_factory=dict)
    draw: Optional[Callable[[List[dict], Scale, str], Optional[str]]] = None
    out_dir: str = 'work_dirs/pipeline_{scale}'
    method_labels: Mapping[str, str] = field(default_factory=dict)
    augmented_data: Optional[str] = None
    teacher_labels: Mapping[str, str] = field(default_factory=dict)

    def method_label(self, method: str) -> str:
        return self.method_labels.get(method, method.upper())

    def teacher_label(self, teacher: str) -> str:
        return self.teacher_labels.get(teacher, teacher)

    @property
    def primary(self) -> Metric:
        return self.metrics[0]

    def teacher_spec(self, scale: Scale, name: str) -> TeacherSpec:
        specs = {**self.teachers, **scale.teacher_specs}
        if name not in specs:
            raise KeyError(f'{self.name} pipeline: unknown teacher type {name!r}; '
                           f'known: {sorted(specs)}')
        return specs[name]
