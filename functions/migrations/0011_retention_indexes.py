# Indexes of the retention job (functions.retention): built concurrently, so that a platform with a
# large functions_input table keeps accepting inputs while they are made.

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("accounts", "0002_workspace_input_rate"),
        ("functions", "0010_function_volumes"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="input",
            index=models.Index(
                condition=models.Q(
                    ("finished_at__isnull", False), models.Q(("result_kind", "expired"), _negated=True)
                ),
                fields=["finished_at"],
                name="input_unexpired_idx",
            ),
        ),
        AddIndexConcurrently(
            model_name="input",
            index=models.Index(
                condition=models.Q(("args_blob", ""), _negated=True),
                fields=["args_blob"],
                name="input_args_blob_idx",
            ),
        ),
        AddIndexConcurrently(
            model_name="input",
            index=models.Index(
                condition=models.Q(("result_blob", ""), _negated=True),
                fields=["result_blob"],
                name="input_result_blob_idx",
            ),
        ),
    ]
