"""Trains flink-ddp's ResNet50 once a day, into a folder of its own (README: "Run it from a scheduler").

`flink run` (attached) exits 0 only when the job finished and every output is written, so the
BashOperator's success is the run's. A retry of the same day is safe: a run that died resumes from
its checkpoints, one that finished exits 0 at once ("already done"), and one whose first job still
runs on the cluster (its worker died) waits for that job and ends as it did. The sensor waits for the
run's `_SUCCESS`, the last object it writes, for DAGs that only consume the outputs.
"""
from datetime import datetime, timedelta

from airflow import DAG
from airflow.operators.bash import BashOperator
from airflow.providers.amazon.aws.sensors.s3 import S3KeySensor

with DAG(
    dag_id="flink_ddp_train",
    schedule="@daily",
    start_date=datetime(2026, 12, 1),
    catchup=False,
    default_args={"retry_delay": timedelta(minutes=10)},
) as dag:
    train = BashOperator(
        task_id="train",
        bash_command=(
            "flink run -c io.flinkddp.job.TrainJob /opt/flink-ddp/flink-ddp-job.jar"
            " --data s3://bucket/Images --output s3://bucket/runs/{{ ds }}"
            " --slots 8 --crop 224 --batch-size 32 --epochs 30"
        ),
        retries=2,
        execution_timeout=timedelta(hours=12),
    )

    outputs_ready = S3KeySensor(
        task_id="outputs_ready",
        bucket_key="s3://bucket/runs/{{ ds }}/_SUCCESS",
        poke_interval=60,
        timeout=60 * 60,
        mode="reschedule",
    )

    train >> outputs_ready
