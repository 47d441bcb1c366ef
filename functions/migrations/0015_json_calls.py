"""An input records how its arguments and result are encoded: JSON calls (issue 12).

The column has a database default, so the statements that insert inputs without naming it (the
fast path's) keep making cloudpickled ones.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("functions", "0014_call_graph")]

    operations = [
        migrations.AddField(
            model_name="input",
            name="codec",
            field=models.CharField(
                blank=True,
                db_default="",
                default="",
                help_text='How its arguments and result are encoded: "" cloudpickle, "json" JSON (a JSON call)',
                max_length=8,
            ),
        ),
    ]
