from django.db import migrations


class Migration(migrations.Migration):
    """The order in which outputs become ready: callers page through outputs by it."""

    dependencies = [("functions", "0001_initial")]

    operations = [
        migrations.RunSQL(
            "CREATE SEQUENCE IF NOT EXISTS skylift_output_seq",
            "DROP SEQUENCE IF EXISTS skylift_output_seq",
        ),
    ]
